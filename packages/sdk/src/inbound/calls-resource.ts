import { randomUUID } from 'node:crypto';
import { matchesAny } from '@riptrunk/ript';
import { HttpProblem, readJson, sendJson, type InboundRequest, type InboundResponse } from './http.js';
import type { HandlersResource } from './handlers-resource.js';
import { InboundCall } from './inbound-call.js';
import { retryAfterOf, type InboundSettings } from './options.js';
import { directivesFor, handlerIdOf, parseCallRequest } from './requests.js';

export type CallListener = (call: InboundCall) => void | Promise<void>;

/** `POST <tg>/calls` (profile §6): admits the provider's calls, holds them, and hands each to the application. */
export class CallsResource {
  readonly calls = new Map<string, InboundCall>();
  /** Set once the server shuts down: new calls are refused. */
  closing = false;
  private listener?: CallListener;

  constructor(
    private readonly settings: InboundSettings,
    private readonly handlers: HandlersResource,
    private readonly tgUri: () => string,
  ) {}

  onCall(listener: CallListener): void {
    this.listener = listener;
  }

  /** Calls not ended yet. */
  get live(): InboundCall[] {
    return [...this.calls.values()].filter((c) => !c.isEnded);
  }

  async post(req: InboundRequest, res: InboundResponse): Promise<void> {
    const s = this.settings;
    const body = parseCallRequest(await readJson(req));
    if (this.closing) {
      throw new HttpProblem(
        503,
        'shutting-down',
        'This consumer TG is shutting down',
        {},
        { 'retry-after': retryAfterOf(s) },
      );
    }
    const tgUri = this.tgUri();
    const handlerId = handlerIdOf(body.handler, `${new URL(tgUri).pathname}/handlers`);
    const handler = handlerId !== null ? this.handlers.get(handlerId) : undefined;
    if (!handler) {
      throw new HttpProblem(409, 'handler-not-registered', `${body.handler} is not a handler registered on this TG`, {
        handler: body.handler,
      });
    }
    if (!matchesAny(s.destinations, body.destination)) {
      throw new HttpProblem(404, 'destination-unreachable', `${body.destination} is not a number of this TG`, {
        destination: body.destination,
      });
    }
    const directives = directivesFor(handler.parsed, s.ad, 409);
    if (this.live.length >= s.maxConcurrentCalls) {
      throw new HttpProblem(
        429,
        'concurrency-limit',
        `This TG has ${s.maxConcurrentCalls} calls up already`,
        { limit: 'max-concurrent-calls', value: s.maxConcurrentCalls },
        { 'retry-after': retryAfterOf(s) },
      );
    }
    const id = randomUUID();
    const call = new InboundCall({
      id,
      uri: `${tgUri}/calls/${id}`,
      handler: body.handler,
      from: body.from,
      to: body.destination,
      ...(body.passport !== undefined ? { passport: body.passport } : {}),
      ...(body.verstat !== undefined ? { verstat: body.verstat } : {}),
      ...(body['sip-call-id'] !== undefined ? { sipCallId: body['sip-call-id'] } : {}),
      directives,
    });
    this.calls.set(id, call);
    sendJson(res, 201, call.describe(), { location: call.uri });
    setImmediate(() => this.deliver(call));
  }

  /** The application gets the call after the provider got its 201; a throwing listener fails the call. */
  private deliver(call: InboundCall): void {
    if (!this.listener || call.isEnded) return;
    let result: void | Promise<void>;
    try {
      result = this.listener(call);
    } catch {
      call.fail('application-error');
      return;
    }
    if (result && typeof result.then === 'function') result.then(undefined, () => call.fail('application-error'));
  }
}
