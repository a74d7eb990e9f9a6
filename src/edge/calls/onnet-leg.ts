import { createHash } from 'node:crypto';
import { constants, type ClientHttp2Stream } from 'node:http2';
import {
  createEvent,
  DEFAULT_MAX_FRAME_SIZE,
  type Directive,
  type DirectiveSet,
  encodeAckFrame,
  EventStreamParser,
  EventStreamWriter,
  formatParams,
  FRAME_HEADER_SIZE,
  FrameError,
  type FrameHeader,
  FrameKind,
  FrameParser,
  type MediaFrame,
  MediaOutput,
  pairKey,
  parseDirectives,
  type ProblemSlug,
  ReceiveStream,
  RiptError,
  type RiptEvent,
  validateEvent,
  type Verstat,
  writeFrameHeader,
} from '@riptrunk/ript';
import type { EdgeConsumerTg } from '../../contracts/edge-snapshot.js';
import { ConsumerTgUnreachable, type ConsumerTgClient } from './consumer-tg-client.js';
import type { CallOutcome } from '../../contracts/call-record.js';

/**
 * On-net delivery (profile §6 routing): the edge places the call at the callee tenant's consumer TG as a RIPT client
 * and relays events and media between that leg and the caller's call. Media payloads pass unchanged; only the
 * source and sink ids of a frame are mapped from one leg's directives to the other's (no transcoding: the handler
 * the edge registers at the consumer TG offers exactly the codecs negotiated with the caller).
 */

/** What the callee's leg reports to the caller's call. */
export interface OnNetListener {
  progress(state: 'alerting' | 'answered'): void;
  /** A SIP gateway's callee side named its SIP leg (`sip-call-id`) or the SIP status of its answer (`sip-status`). */
  sip(fields: { callId?: string; status?: number }): void;
  /** The callee ended the call (or its leg failed); called once, with the `sip-status` of its final event if any. */
  finished(outcome: CallOutcome, sipStatus?: number): void;
  /** A media frame from the callee for the caller's server stream `index` (CallMedia's s2c order). */
  media(index: number, frame: MediaFrame): void;
}

/** The consumer TG refused the call or could not be reached: the caller's POST gets this problem. */
export class OnNetRefusal extends RiptError {
  constructor(code: ProblemSlug, detail: string, retryAfterSeconds?: number) {
    super(code, detail, {}, retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : {});
  }
}

function pairsOf(directives: readonly Directive[]): Directive[][] {
  const pairs = new Map<number, Directive[]>();
  for (const d of directives) {
    const key = pairKey(d.source, d.sink);
    const list = pairs.get(key) ?? [];
    list.push(d);
    pairs.set(key, list);
  }
  return [...pairs.values()];
}

/**
 * The handler the edge registers at the consumer TG for a call: one `out` entry per stream the caller sends and one
 * `in` entry per stream the caller receives, ids 1.. in the caller's order, each with the caller's codec(s) only.
 */
export function relayAdvertisement(caller: DirectiveSet): string {
  const entry = (id: number, dir: 'in' | 'out', pair: Directive[]) =>
    `${id} ${dir}: ${pair.map((d) => `${d.codec}${formatParams(d.params)};`).join(' ')}`;
  return [
    ...pairsOf(caller.client).map((pair, i) => entry(i + 1, 'out', pair)),
    ...pairsOf(caller.server).map((pair, i) => entry(i + 1, 'in', pair)),
  ].join(' ');
}

/** A stream from the callee, and the caller's server stream its frames go to. */
class CalleeStream extends ReceiveStream {
  constructor(readonly index: number) {
    super();
  }
}

/** Registers relay handlers at consumer TGs (once per TG and advertisement) and places calls there. */
export class OnNetDialer {
  private readonly handlers = new Map<string, string>();

  constructor(
    readonly client: ConsumerTgClient,
    private readonly log: (message: string) => void,
  ) {}

  /** Places the callee leg; throws OnNetRefusal when the consumer TG refuses or cannot be reached. */
  async place(
    tg: EdgeConsumerTg,
    call: {
      from: string;
      to: string;
      passport: string | null;
      verstat?: Verstat;
      sipCallId?: string;
      directives: DirectiveSet;
    },
    listener: OnNetListener,
  ): Promise<OnNetLeg> {
    const advertisement = relayAdvertisement(call.directives);
    // profile §10: the PASSporT (none for an unsigned interconnect caller), verstat and SIP Call-ID go on as sent
    const body = {
      destination: call.to,
      from: call.from,
      ...(call.passport !== null ? { passport: call.passport } : {}),
      ...(call.verstat !== undefined ? { verstat: call.verstat } : {}),
      ...(call.sipCallId !== undefined ? { 'sip-call-id': call.sipCallId } : {}),
    };
    try {
      let handler = await this.handler(tg, advertisement);
      let answer = await this.client.json('POST', tg.callsUri, tg.token, { handler, ...body });
      if (answer.status === 409 && problemSlug(answer.body) === 'handler-not-registered') {
        // the enterprise's server forgot our handler (a restart): register it again, once
        this.handlers.delete(`${tg.id} ${advertisement}`);
        handler = await this.handler(tg, advertisement);
        answer = await this.client.json('POST', tg.callsUri, tg.token, { handler, ...body });
      }
      if (answer.status !== 201) throw refusedBy(tg, call.to, answer.status, answer.body);
      const description = answer.body as { uri?: unknown; clientDirectives?: unknown; serverDirectives?: unknown };
      if (typeof description?.uri !== 'string' || !description.uri.startsWith('https://')) {
        throw new OnNetRefusal('callee-protocol-error', `The consumer TG of ${call.to} answered without a call URI`);
      }
      let client: Directive[];
      let server: Directive[];
      try {
        client = parseDirectives(String(description.clientDirectives ?? ''));
        server = parseDirectives(String(description.serverDirectives ?? ''));
      } catch (err) {
        throw new OnNetRefusal(
          'callee-protocol-error',
          `The consumer TG of ${call.to} sent bad directives: ${(err as Error).message}`,
        );
      }
      const leg = new OnNetLeg(this.client, tg, description.uri, call.directives, { client, server }, listener);
      leg.open();
      return leg;
    } catch (err) {
      if (err instanceof OnNetRefusal) throw err;
      if (err instanceof ConsumerTgUnreachable) {
        this.log(`consumer TG ${tg.id} unreachable: ${err.message}`);
        throw new OnNetRefusal(
          'callee-unreachable',
          `The consumer TG of ${call.to} could not be reached (${err.why})`,
          2,
        );
      }
      throw err;
    }
  }

  private async handler(tg: EdgeConsumerTg, advertisement: string): Promise<string> {
    const key = `${tg.id} ${advertisement}`;
    const known = this.handlers.get(key);
    if (known) return known;
    const id = `riptrunk-${createHash('sha256').update(advertisement).digest('hex').slice(0, 16)}`;
    const answer = await this.client.json('POST', tg.handlersUri, tg.token, { 'handler-id': id, advertisement });
    let uri: string;
    if (answer.status === 201) {
      const body = answer.body as { uri?: unknown };
      const location = answer.headers.location;
      uri = typeof body?.uri === 'string' ? body.uri : new URL(String(location ?? id), `${tg.handlersUri}/`).toString();
    } else if (answer.status === 409) {
      uri = `${tg.handlersUri}/${id}`; // registered earlier with the same advertisement (the id is its hash)
    } else {
      throw refusedBy(tg, 'the relay handler', answer.status, answer.body);
    }
    if (this.handlers.size > 10_000) this.handlers.clear();
    this.handlers.set(key, uri);
    return uri;
  }

  close(): void {
    this.client.close();
  }
}

function problemSlug(body: unknown): string | undefined {
  const type = (body as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' ? type.split('/').pop() : undefined;
}

function refusedBy(tg: EdgeConsumerTg, what: string, status: number, body: unknown): OnNetRefusal {
  const slug = problemSlug(body);
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  const said = typeof detail === 'string' ? `: ${detail.slice(0, 200)}` : '';
  if (status === 409 && slug === 'no-common-codec') {
    return new OnNetRefusal('no-common-codec', `The callee has no codec in common with the call${said}`);
  }
  const answered = `The consumer TG ${tg.id} answered ${what} with ${status}${slug ? ` (${slug})` : ''}${said}`;
  // a 5xx is the callee side failing, not refusing: the next candidate is tried (profile §10), as for no answer
  if (status >= 500) return new OnNetRefusal('callee-unreachable', answered, 2);
  return new OnNetRefusal('destination-unreachable', answered);
}

/** The callee's leg of an on-net call: its events and media streams at the consumer TG. */
export class OnNetLeg {
  /** Frames relayed to the callee, and from it. */
  framesToCallee = 0;
  framesFromCallee = 0;
  bytesToCallee = 0;
  bytesFromCallee = 0;
  dropped = 0;
  private readonly forwardMap = new Map<number, FrameHeader>();
  private readonly backMap = new Map<number, number>();
  private readonly calleeStreams = new Map<number, CalleeStream>();
  /** The callee's acks of what we relayed: highest seq and frames received, per stream. */
  private readonly calleeAcks = new Map<number, { seq: number; frames: number }>();
  private eventsIn?: ClientHttp2Stream;
  private eventsOut?: { stream: ClientHttp2Stream; writer: EventStreamWriter };
  private mediaIn?: ClientHttp2Stream;
  private mediaOut?: MediaOutput;
  private mediaOutStream?: ClientHttp2Stream;
  private done = false;
  /** The callee sent its final event: no `end` goes back. */
  private calleeEnded = false;

  constructor(
    private readonly client: ConsumerTgClient,
    private readonly tg: EdgeConsumerTg,
    readonly uri: string,
    caller: DirectiveSet,
    callee: { client: Directive[]; server: Directive[] },
    private readonly listener: OnNetListener,
  ) {
    // caller's stream i (what it sends) → our relay source i+1 at the callee
    pairsOf(caller.client).forEach(([d], i) => {
      const target = callee.client.find((c) => c.source === i + 1);
      if (target) {
        this.forwardMap.set(pairKey(d.source, d.sink), {
          source: target.source,
          sink: target.sink,
          codec: 0,
          seq: 0,
          ts: 0,
        });
      }
    });
    // callee's stream towards our relay sink j+1 → the caller's server stream j
    for (const d of callee.server) this.backMap.set(pairKey(d.source, d.sink), d.sink - 1);
  }

  get ended(): boolean {
    return this.done;
  }

  /** Opens the events streams (both ways) and the media streams (both ways) at the consumer TG. */
  open(): void {
    const token = this.tg.token;
    const eventsIn = this.client.stream('GET', `${this.uri}/events`, token);
    this.eventsIn = eventsIn;
    const parser = new EventStreamParser();
    eventsIn.on('response', (headers) => {
      const status = Number(headers[constants.HTTP2_HEADER_STATUS]);
      if (status !== 200) this.fail(`callee-events-${status}`);
    });
    eventsIn.on('data', (chunk: Buffer) => {
      let events: unknown[];
      try {
        events = parser.push(chunk);
      } catch {
        this.fail('callee-protocol-error');
        return;
      }
      for (const value of events) this.onCalleeEvent(value);
    });
    eventsIn.on('close', () => this.fail('callee-events-lost'));

    const out = this.client.stream('PUT', `${this.uri}/events`, token, 'application/json');
    const writer = new EventStreamWriter();
    out.write(writer.open());
    this.eventsOut = { stream: out, writer };

    const mediaOut = this.client.stream('PUT', `${this.uri}/media`, token, 'application/octet-stream');
    this.mediaOutStream = mediaOut;
    this.mediaOut = new MediaOutput(mediaOut);

    const mediaIn = this.client.stream('GET', `${this.uri}/media`, token);
    this.mediaIn = mediaIn;
    const frames = new FrameParser({ maxFrameSize: DEFAULT_MAX_FRAME_SIZE });
    mediaIn.on('data', (chunk: Buffer) => {
      frames.push(chunk);
      for (let f = frames.next(); f !== null; f = frames.next()) {
        if (f instanceof FrameError) {
          this.dropped++;
          continue;
        }
        if (f.kind === FrameKind.Media) this.fromCallee(f);
        else this.calleeAcks.set(pairKey(f.source, f.sink), { seq: f.seq, frames: f.framesReceived });
      }
    });
  }

  private onCalleeEvent(value: unknown): void {
    const checked = validateEvent(value, { direction: 's2c' });
    if (!checked.ok) return;
    const event: RiptEvent = checked.event;
    const sipCallId = 'sip-call-id' in event ? event['sip-call-id'] : undefined;
    const sipStatus = event.type === 'answered' ? event['sip-status'] : undefined;
    if (sipCallId !== undefined || sipStatus !== undefined) this.listener.sip({ callId: sipCallId, status: sipStatus });
    switch (event.type) {
      case 'alerting':
      case 'answered':
        this.listener.progress(event.type);
        return;
      case 'declined':
        this.finish({ kind: 'declined' }, event['sip-status']);
        return;
      case 'noanswer':
        this.finish({ kind: 'noanswer' }, event['sip-status']);
        return;
      case 'failed':
        this.finish({ kind: 'failed', reason: event.reason }, event['sip-status']);
        return;
      case 'end':
        this.finish({ kind: 'end', reason: event.reason }, event['sip-status']);
        return;
      case 'ping':
        this.sendEvent(createEvent('pong', { direction: 'c2s', call: this.uri, nonce: event.nonce }));
        return;
      default:
        return; // proceeding, pong, migrate: nothing to relay
    }
  }

  private fromCallee(frame: MediaFrame): void {
    const key = pairKey(frame.source, frame.sink);
    const index = this.backMap.get(key);
    if (index === undefined) {
      this.dropped++;
      return;
    }
    let stream = this.calleeStreams.get(key);
    if (!stream) {
      stream = new CalleeStream(index);
      this.calleeStreams.set(key, stream);
    }
    const now = Date.now();
    const arrival = stream.record(frame, now);
    if (arrival === 'duplicate' || arrival === 'late') return;
    this.framesFromCallee++;
    this.bytesFromCallee += frame.payload.length;
    if (stream.ackDue(now)) this.ack(stream, now);
    this.listener.media(index, frame);
  }

  /** A media frame from the caller: sent on to the callee with the ids of this leg; false if it has no stream. */
  forward(frame: MediaFrame): boolean {
    const header = this.forwardMap.get(pairKey(frame.source, frame.sink));
    if (!header || !this.mediaOut || this.done) return false;
    header.codec = frame.codec;
    header.seq = frame.seq;
    header.ts = frame.ts;
    const length = frame.payload.length;
    const buffer = Buffer.allocUnsafe(FRAME_HEADER_SIZE + length);
    writeFrameHeader(buffer, 0, FrameKind.Media, header, length);
    buffer.set(frame.payload, FRAME_HEADER_SIZE);
    if (!this.mediaOut.send(buffer)) {
      this.dropped++;
      return false;
    }
    this.framesToCallee++;
    this.bytesToCallee += length;
    return true;
  }

  /** Periodic work: acks of the callee's frames. */
  tick(now: number): void {
    for (const stream of this.calleeStreams.values()) {
      if (stream.ackDue(now)) this.ack(stream, now);
    }
  }

  private ack(stream: CalleeStream, now: number): void {
    const fields = stream.takeAck(now);
    if (fields && this.mediaOut) this.mediaOut.send(encodeAckFrame(fields));
  }

  /** Loss and jitter of what the callee sent (measured here), and loss of what we sent (from its acks). */
  calleeReport(): { lossReceived: number; lossSent: number; maxJitterMs: number } {
    let lossReceived = 0;
    let maxJitterMs = 0;
    for (const s of this.calleeStreams.values()) {
      const snap = s.stats.snapshot();
      lossReceived += Math.max(0, snap.loss);
      maxJitterMs = Math.max(maxJitterMs, snap.maxJitterMs);
    }
    let lossSent = 0;
    for (const ack of this.calleeAcks.values()) lossSent += Math.max(0, ack.seq + 1 - ack.frames);
    return { lossReceived, lossSent, maxJitterMs };
  }

  private sendEvent(event: RiptEvent): void {
    const out = this.eventsOut;
    if (!out || out.writer.isClosed || out.stream.closed) return;
    out.stream.write(out.writer.write(event));
  }

  private fail(reason: string): void {
    this.finish({ kind: 'failed', reason });
  }

  /** The callee ended (or its leg broke): tell the caller's call once, then close our side. */
  private finish(outcome: CallOutcome, sipStatus?: number): void {
    if (this.done || this.calleeEnded) return;
    this.calleeEnded = outcome.kind !== 'failed' || !outcome.reason.startsWith('callee-');
    this.listener.finished(outcome, sipStatus);
    this.hangup(outcome.kind === 'end' ? outcome.reason : outcome.kind);
  }

  /** Ends the callee's leg with `end` unless the callee ended it (idempotent), and closes its streams. */
  hangup(reason: string): void {
    if (this.done) return;
    this.done = true;
    if (!this.calleeEnded) this.sendEvent(createEvent('end', { direction: 'c2s', call: this.uri, reason }));
    const out = this.eventsOut;
    if (out && !out.writer.isClosed && !out.stream.closed) out.stream.end(out.writer.close());
    this.mediaOutStream?.end();
    const streams = [this.eventsIn, this.mediaIn, this.eventsOut?.stream, this.mediaOutStream];
    this.eventsIn?.removeAllListeners('data');
    this.mediaIn?.removeAllListeners('data');
    for (const s of [this.eventsIn, this.mediaIn]) if (s && !s.closed) s.close(constants.NGHTTP2_CANCEL);
    const timer = setTimeout(() => {
      for (const s of streams) if (s && !s.closed) s.close(constants.NGHTTP2_CANCEL);
    }, 2000);
    timer.unref();
  }
}
