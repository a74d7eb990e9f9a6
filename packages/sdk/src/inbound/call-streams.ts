import { EventStreamError, EventStreamParser, validateClientEvent } from '@riptrunk/ript';
import {
  closeExchange,
  HttpProblem,
  openStream,
  sendProblem,
  type InboundRequest,
  type InboundResponse,
} from './http.js';
import type { InboundCall } from './inbound-call.js';

type StreamKind = 'getEvents' | 'putEvents' | 'getMedia' | 'putMedia';

/**
 * The long-lived streams of a call (profile §6-§7): GET events (the call's events to the provider), PUT events (its
 * events to us), GET media (our frames and acks), PUT media (its frames); at most `perCall` of each kind per call.
 */
export class CallStreams {
  private readonly counts = new WeakMap<InboundCall, Record<string, number>>();

  constructor(private readonly perCall: number) {}

  getEvents(call: InboundCall, res: InboundResponse): void {
    if (!call.isEnded) this.checkRoom(call, 'getEvents');
    this.output(
      call,
      'getEvents',
      res,
      'application/json',
      () => call.addEventOutput(res as never),
      (handle) => call.removeEventOutput(handle),
    );
  }

  putEvents(call: InboundCall, req: InboundRequest, res: InboundResponse): void {
    if (call.isEnded) throw callEnded(call);
    this.checkRoom(call, 'putEvents');
    const parser = new EventStreamParser();
    let done = false;
    const exchange = {
      close: () => finish(() => undefined),
    };
    const finish = (answer: () => void) => {
      if (done) return;
      done = true;
      this.count(call, 'putEvents', -1);
      call.removeExchange(exchange, true);
      req.off('data', onData);
      answer();
      closeExchange(req, res);
    };
    const reject = (problem: HttpProblem) => finish(() => sendProblem(res, problem));
    const onData = (chunk: Buffer) => {
      let values: Record<string, unknown>[];
      try {
        values = parser.push(chunk);
      } catch (err) {
        return reject(streamProblem(err));
      }
      for (const value of values) {
        const checked = validateClientEvent(value, call.uri);
        if (!checked.ok) {
          return reject(
            new HttpProblem(400, 'invalid-event', `Invalid event: ${checked.errors.map((e) => e.message).join('; ')}`, {
              errors: checked.errors.map((e) => ({ pointer: `#/${e.field}`, detail: e.message })),
            }),
          );
        }
        call.clientEvent(checked.event);
        if (done) return;
      }
    };
    this.count(call, 'putEvents', 1);
    call.addExchange(exchange, true);
    req.on('data', onData);
    req.on('end', () => {
      try {
        parser.end();
      } catch (err) {
        return reject(streamProblem(err));
      }
      exchange.close();
    });
    req.on('close', () => exchange.close());
  }

  getMedia(call: InboundCall, res: InboundResponse): void {
    if (call.isEnded) throw callEnded(call);
    this.checkRoom(call, 'getMedia');
    this.output(
      call,
      'getMedia',
      res,
      'application/octet-stream',
      () => call.addMediaOutput(res as never),
      (handle) => call.removeMediaOutput(handle),
    );
  }

  putMedia(call: InboundCall, req: InboundRequest, res: InboundResponse): void {
    if (call.isEnded) throw callEnded(call);
    this.checkRoom(call, 'putMedia');
    openStream(res, 'application/octet-stream');
    const parser = call.newParser();
    let done = false;
    const onData = (chunk: Buffer) => call.receiveChunk(parser, chunk);
    const exchange = {
      close: () => {
        if (done) return;
        done = true;
        this.count(call, 'putMedia', -1);
        call.removeExchange(exchange, false);
        req.off('data', onData);
        closeExchange(req, res);
      },
    };
    this.count(call, 'putMedia', 1);
    call.addExchange(exchange, false);
    req.on('data', onData);
    req.on('end', () => {
      call.endInput(parser);
      exchange.close();
    });
    req.on('close', () => exchange.close());
  }

  /** A GET stream: its headers now, the call writes to it until it closes. */
  private output<H>(
    call: InboundCall,
    kind: StreamKind,
    res: InboundResponse,
    contentType: string,
    add: () => H,
    remove: (handle: H) => void,
  ): void {
    openStream(res, contentType);
    const handle = add();
    this.count(call, kind, 1);
    res.on('close', () => {
      this.count(call, kind, -1);
      remove(handle);
    });
  }

  private checkRoom(call: InboundCall, kind: StreamKind): void {
    if ((this.counts.get(call)?.[kind] ?? 0) >= this.perCall) {
      throw new HttpProblem(429, 'too-many-streams', 'This call has the most streams of this kind open already');
    }
  }

  private count(call: InboundCall, kind: StreamKind, delta: number): void {
    const counts = this.counts.get(call) ?? {};
    counts[kind] = (counts[kind] ?? 0) + delta;
    this.counts.set(call, counts);
  }
}

export function callEnded(call: InboundCall): HttpProblem {
  return new HttpProblem(404, 'call-ended', `Call ${call.id} has ended (${call.reason ?? ''})`);
}

function streamProblem(err: unknown): HttpProblem {
  return new HttpProblem(
    400,
    'invalid-event-stream',
    `The events stream is not a JSON array of events: ${(err as Error).message}`,
    err instanceof EventStreamError ? { position: err.position } : {},
  );
}
