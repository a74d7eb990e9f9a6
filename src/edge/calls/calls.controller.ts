import { edgeProblem } from '../edge-problem.js';
import { Body, Controller, Delete, Get, Logger, Param, Post, Put, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../common/auth/current-principal.decorator.js';
import type { Principal } from '../../common/auth/principal.js';
import { Scopes } from '../../common/auth/scopes.decorator.js';
import { AppConfig } from '../../common/config/app-config.js';
import { ResourceId } from '../../common/http/openapi-decorators.js';
import { ProblemException } from '../../common/http/problem.js';
import { EventStreamError, EventStreamParser, EventStreamWriter, validateClientEvent } from '@riptrunk/ript';
import type { FrameParser } from '@riptrunk/ript';
import { CallsService } from './calls.service.js';
import {
  closeExchange,
  endWithProblem,
  openResponse,
  STREAM_ROUTE,
  type RawRequest,
  type RawResponse,
} from './http-streams.js';
import type { CallExchange, LiveCall } from './live-call.js';
import type { CallDescription } from '../../contracts/call-record.js';

const MEDIA_TYPE = 'application/octet-stream';

function tooManyStreams(kind: string, limit: number): ProblemException {
  return edgeProblem('too-many-streams', `This call has ${limit} ${kind} streams open already (the limit per call)`, {
    limit,
  });
}

/** One PUT media stream: its bytes go through a frame parser into the call's media. */
class MediaInputExchange implements CallExchange {
  private readonly logger = new Logger('MediaInput');
  private readonly parser: FrameParser;
  private readonly req: RawRequest;
  private done = false;

  constructor(
    private readonly call: LiveCall,
    private readonly request: FastifyRequest,
    private readonly res: RawResponse,
  ) {
    this.parser = call.media.newParser();
    this.req = request.raw as RawRequest;
    call.media.inputs++;
    call.exchanges.add(this);
    this.req.on('data', this.onData);
    this.req.on('end', this.onEnd);
    this.req.on('error', this.onGone);
    res.on('close', this.onGone);
  }

  private readonly onData = (chunk: Buffer): void => {
    try {
      this.call.media.receiveChunk(this.parser, chunk, Date.now(), performance.now());
    } catch (err) {
      this.onError(err);
    }
  };

  /** A bug must cost this stream, not the edge process (an exception here would be uncaught). */
  private onError(err: unknown): void {
    this.logger.error(`media stream of call ${this.call.id}: ${(err as Error).stack ?? err}`);
    this.close();
  }

  private readonly onEnd = (): void => {
    this.call.media.endInput(this.parser);
    this.close();
  };

  private readonly onGone = (): void => this.close();

  close(): void {
    if (this.done) return;
    this.done = true;
    this.call.media.inputs--;
    this.call.exchanges.delete(this);
    this.req.off('data', this.onData);
    closeExchange(this.request, this.res);
  }
}

/** One PUT events stream: `end`, `ping` and `pong` events; anything malformed is answered 400 and closed. */
class EventInputExchange implements CallExchange {
  private readonly parser = new EventStreamParser();
  private readonly req: RawRequest;
  private done = false;

  constructor(
    private readonly calls: CallsService,
    private readonly call: LiveCall,
    private readonly request: FastifyRequest,
    private readonly res: RawResponse,
  ) {
    this.req = request.raw as RawRequest;
    call.events.addInput();
    call.exchanges.add(this);
    this.req.on('data', this.onData);
    this.req.on('end', this.onEnd);
    this.req.on('error', this.onGone);
    res.on('close', this.onGone);
  }

  private readonly onData = (chunk: Buffer): void => {
    try {
      this.handle(chunk);
    } catch (err) {
      new Logger('EventInput').error(`events stream of call ${this.call.id}: ${(err as Error).stack ?? err}`);
      this.finish(() => endWithProblem(this.res, 'internal-error', 'The events stream failed on the edge'));
    }
  };

  private handle(chunk: Buffer): void {
    let events: Record<string, unknown>[];
    try {
      events = this.parser.push(chunk);
    } catch (err) {
      this.reject(err);
      return;
    }
    for (const value of events) {
      const checked = validateClientEvent(value, this.call.uri);
      if (!checked.ok) {
        this.finish(() =>
          endWithProblem(
            this.res,
            'invalid-event',
            `Invalid event: ${checked.errors.map((e) => e.message).join('; ')}`,
            {
              errors: checked.errors.map((e) => ({ pointer: `#/${e.field}`, detail: e.message })),
            },
          ),
        );
        return;
      }
      const event = checked.event;
      if (event.type === 'end') this.calls.clientEvent(this.call, 'end', event.reason);
      else if (event.type === 'ping') this.calls.clientEvent(this.call, 'ping', event.nonce);
      else if (event.type === 'pong') this.calls.clientEvent(this.call, 'pong', event.nonce);
      if (this.done) return;
    }
  }

  private readonly onEnd = (): void => {
    try {
      this.parser.end();
    } catch (err) {
      this.reject(err);
      return;
    }
    this.close();
  };

  private readonly onGone = (): void => this.close();

  private reject(err: unknown): void {
    const position = err instanceof EventStreamError ? err.position : undefined;
    const detail = err instanceof Error ? err.message : String(err);
    this.finish(() =>
      endWithProblem(this.res, 'invalid-event-stream', `The events stream is not a JSON array of events: ${detail}`, {
        ...(position !== undefined ? { position } : {}),
      }),
    );
  }

  /** The call ended or the stream is over: 204. */
  close(): void {
    this.finish(() => undefined);
  }

  private finish(answer: () => void): void {
    if (this.done) return;
    this.done = true;
    this.call.exchanges.delete(this);
    this.call.events.removeInput(Date.now());
    this.req.off('data', this.onData);
    answer();
    closeExchange(this.request, this.res);
  }
}

/** Calls (profile §6), their events (§6) and media (§7). */
@Scopes('ript:calls')
@Controller('ript/v1')
export class CallsController {
  private readonly streamLimit: number;

  constructor(
    private readonly calls: CallsService,
    config: AppConfig,
  ) {
    this.streamLimit = config.env.RIPTRUNK_STREAMS_PER_CALL;
  }

  @Post('tgs/:tgId/calls')
  async create(
    @ResourceId('tgId', 'trk') tgId: string,
    @CurrentPrincipal() principal: Principal,
    @Body() raw: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CallDescription> {
    const startedAt = performance.now();
    const { body } = await this.calls.create(tgId, principal, raw, startedAt);
    void reply.status(201).header('location', body.uri);
    return body;
  }

  @Get('calls/:callId')
  async get(@Param('callId') callId: string, @CurrentPrincipal() principal: Principal): Promise<CallDescription> {
    return this.calls.describe(await this.calls.find(callId, principal));
  }

  /** Calls end with the `end` event, not DELETE (profile §6). */
  @Delete('calls/:callId')
  async remove(@Param('callId') callId: string, @CurrentPrincipal() principal: Principal): Promise<never> {
    await this.calls.find(callId, principal);
    throw edgeProblem(
      'method-not-allowed',
      'End a call by sending an end event on PUT <call>/events',
      {},
      {
        allow: 'GET',
      },
    );
  }

  @Get('calls/:callId/events')
  async getEvents(
    @Param('callId') callId: string,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const found = await this.calls.find(callId, principal);
    const call = found.live ?? (await this.calls.findActive(callId, principal));
    if (call.ended) {
      // the final events of a call that ended before anyone read them
      const res = openResponse(reply, 200, { 'content-type': 'application/json' });
      const writer = new EventStreamWriter();
      res.end(writer.open() + call.finalEvents.map((e) => writer.write(e)).join('') + writer.close());
      this.calls.markDelivered(call);
      return;
    }
    if (call.events.getStreams >= this.streamLimit) throw tooManyStreams('GET events', this.streamLimit);
    const res = openResponse(reply, 200, { 'content-type': 'application/json' });
    const handle = call.events.addOutput(res, call.currentEvents());
    res.on('close', () => call.events.removeOutput(handle, Date.now()));
  }

  @Put('calls/:callId/events')
  @RouteConfig(STREAM_ROUTE)
  async putEvents(
    @Param('callId') callId: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const call = await this.calls.findActive(callId, principal);
    if (call.events.putStreams >= this.streamLimit) throw tooManyStreams('PUT events', this.streamLimit);
    void reply.hijack();
    new EventInputExchange(this.calls, call, request, reply.raw as RawResponse);
  }

  @Get('calls/:callId/media')
  async getMedia(
    @Param('callId') callId: string,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const call = await this.calls.findActive(callId, principal);
    if (call.media.outputs.size >= this.streamLimit) throw tooManyStreams('GET media', this.streamLimit);
    const res = openResponse(reply, 200, { 'content-type': MEDIA_TYPE });
    const output = call.media.addOutput(res);
    res.on('close', () => call.media.removeOutput(output));
  }

  @Put('calls/:callId/media')
  @RouteConfig(STREAM_ROUTE)
  async putMedia(
    @Param('callId') callId: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const call = await this.calls.findActive(callId, principal);
    if (call.media.inputs >= this.streamLimit) throw tooManyStreams('PUT media', this.streamLimit);
    const res = openResponse(reply, 200, { 'content-type': MEDIA_TYPE });
    new MediaInputExchange(call, request, res);
  }
}
