import type { Directive, DirectiveSet, MediaWritable, Verstat } from '@riptrunk/ript';
import {
  createEvent,
  DEFAULT_MAX_FRAME_SIZE,
  directiveKey,
  encodeAckFrame,
  encodeMediaFrame,
  EventStreamWriter,
  type Frame,
  FrameError,
  FrameKind,
  FrameParser,
  type MediaFrame,
  MediaOutput,
  pairKey,
  pairSink,
  pairSource,
  ReceiveStream,
  type RiptEvent,
  type StreamStatsSnapshot,
} from '@riptrunk/ript';
import { MediaStats } from '../audio/stats.js';
import { ClientError } from '../http.js';

export type InboundCallState = 'proceeding' | 'alerting' | 'answered' | 'declined' | 'failed' | 'noanswer' | 'ended';

/** How a call ended: its final state, the `end` reason, and whether the provider ended it. */
export interface InboundCallEnding {
  state: InboundCallState;
  reason: string;
  byProvider: boolean;
}

/** `POST <tg>/calls` and `GET <call>` bodies (profile §6), with `state` and `reason` on GET. */
export interface InboundCallDescription {
  uri: string;
  handler: string;
  direction: 'outbound';
  from: string;
  to: string;
  clientDirectives: string;
  serverDirectives: string;
  passport?: string;
  verstat?: Verstat;
  'sip-call-id'?: string;
  state?: InboundCallState;
  reason?: string;
}

/** Receive statistics of one provider→us stream. */
export interface InboundStreamReport extends StreamStatsSnapshot {
  source: number;
  sink: number;
}

/** How a SIP gateway's call ended on its SIP side (profile §10). */
export interface SipOutcome {
  /** The final SIP status of the SIP leg (100-699), sent as the final events' `sip-status`. */
  sipStatus?: number;
}

export interface InboundCallInit {
  id: string;
  uri: string;
  handler: string;
  from: string;
  to: string;
  passport?: string;
  /** SIP interworking: the verification result of the PASSporT, as a gateway reported it. */
  verstat?: Verstat;
  /** SIP interworking: the Call-ID of the SIP leg behind this call. */
  sipCallId?: string;
  directives: DirectiveSet;
  now?: number;
}

interface Writable<T> {
  write(chunk: T): boolean;
  end(): unknown;
}

/**
 * A call the provider placed to this consumer TG, as the application sees it: caller, callee, PASSporT and
 * directives; alerting/answer/decline/end; media frames both ways with per-call statistics.
 */
export class InboundCall {
  readonly id: string;
  readonly uri: string;
  readonly handler: string;
  readonly from: string;
  readonly to: string;
  readonly passport?: string;
  readonly verstat?: Verstat;
  /**
   * SIP interworking: the Call-ID of the SIP leg behind this call, from the request or set by a gateway once it has
   * one; the final events carry it (for the provider's CDR).
   */
  sipCallId?: string;
  /** What the provider sends (its handler's sources to our sinks). */
  readonly clientDirectives: Directive[];
  /** What we send (our sources to its handler's sinks); sendFrame uses the first by default. */
  readonly serverDirectives: Directive[];
  readonly directives: DirectiveSet;
  readonly stats = new MediaStats();
  readonly createdAt: Date;
  answeredAt: Date | null = null;
  endedAt: Date | null = null;
  state: InboundCallState = 'proceeding';
  reason: string | null = null;
  /** Resolves once the call has ended, whoever ended it. */
  readonly ended: Promise<InboundCallEnding>;
  /** Media frames dropped: undecodable, oversized, or not matching a client directive. */
  framesRejected = 0;
  /** @internal final events for a GET events stream opened after the end */
  finalEvents: RiptEvent[] = [];
  /** @internal since when no events stream is open (null while one is) */
  eventsIdleSince: number | null;
  /** @internal arrival (ms) of the last media frame from the provider */
  lastMediaAt = 0;

  private resolveEnded!: (ending: InboundCallEnding) => void;
  private stateAt: Date;
  private readonly frameListeners = new Set<(frame: MediaFrame) => void>();
  private readonly eventOutputs = new Map<object, { res: Writable<string>; writer: EventStreamWriter }>();
  private eventInputs = 0;
  private readonly mediaOutputs = new Set<MediaOutput>();
  private readonly exchanges = new Set<{ close(): void }>();
  private readonly allowed = new Set<number>();
  private readonly received = new Map<number, ReceiveStream>();
  private readonly sendSeq = new Map<number, number>();
  private readonly serverPairs = new Set<number>();
  /** A gateway's answer: the SIP status (2xx) its answered events carry. */
  private answerSipStatus?: number;

  constructor(init: InboundCallInit) {
    this.id = init.id;
    this.uri = init.uri;
    this.handler = init.handler;
    this.from = init.from;
    this.to = init.to;
    if (init.passport !== undefined) this.passport = init.passport;
    if (init.verstat !== undefined) this.verstat = init.verstat;
    if (init.sipCallId !== undefined) this.sipCallId = init.sipCallId;
    this.directives = init.directives;
    this.clientDirectives = init.directives.client;
    this.serverDirectives = init.directives.server;
    for (const d of this.clientDirectives) this.allowed.add(directiveKey(d.source, d.sink, d.codecNumber));
    for (const d of this.serverDirectives) this.serverPairs.add(pairKey(d.source, d.sink));
    const now = init.now ?? Date.now();
    this.createdAt = new Date(now);
    this.stateAt = this.createdAt;
    this.eventsIdleSince = now;
    this.stats.setupStarted();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  get isEnded(): boolean {
    return this.state === 'declined' || this.state === 'failed' || this.state === 'noanswer' || this.state === 'ended';
  }

  // ------------------------------------------------------------------ application API

  /** Tells the provider the callee is being alerted (ringing). */
  alerting(): boolean {
    return this.progress('alerting');
  }

  /** Answers the call; media timeouts count from now. A SIP gateway gives the SIP status of the answer (2xx). */
  answer(options: SipOutcome = {}): boolean {
    return this.progress('answered', options.sipStatus);
  }

  /**
   * Declines a call not answered yet (`declined`, then `end`). A SIP gateway gives the SIP status that declined it
   * (`sipStatus`, profile §10); it goes on both final events.
   */
  decline(options: SipOutcome = {}): boolean {
    if (this.state === 'answered') throw new ClientError('the call is answered already: end() it', 'state');
    return this.finish('declined', 'declined', false, options.sipStatus);
  }

  /** Ends the call with an `end` event (reason `normal` by default), with a SIP gateway's `sipStatus` if given. */
  end(reason = 'normal', options: SipOutcome = {}): boolean {
    return this.finish('ended', reason, false, options.sipStatus);
  }

  /** Ends the call with `failed` (then `end`) and the reason, with a SIP gateway's `sipStatus` if given. */
  fail(reason: string, options: SipOutcome = {}): boolean {
    return this.finish('failed', reason, false, options.sipStatus);
  }

  /** Ends a call not answered yet with `noanswer` (then `end`), with a SIP gateway's `sipStatus` if given. */
  noAnswer(options: SipOutcome = {}): boolean {
    if (this.state === 'answered') throw new ClientError('the call is answered already: end() it', 'state');
    return this.finish('noanswer', 'noanswer', false, options.sipStatus);
  }

  /**
   * Sends a media frame to the provider on `directive` (the first server directive by default) with the next
   * sequence number, or with `seq` when given (a gateway keeps the RTP numbering; later frames without one continue
   * after the highest seq sent). Returns false when no GET media stream took it (none open yet, congested, or call
   * ended).
   */
  sendFrame(
    payload: Uint8Array,
    ts = Date.now(),
    directive: Directive | undefined = this.serverDirectives[0],
    seq?: number,
  ): boolean {
    if (this.isEnded) return false;
    if (!directive) throw new ClientError('this call has no server directive to send on', 'state');
    if (seq !== undefined && (!Number.isSafeInteger(seq) || seq < 0)) {
      throw new RangeError(`seq must be a safe non-negative integer, got ${seq}`);
    }
    const pair = pairKey(directive.source, directive.sink);
    const next = this.sendSeq.get(pair) ?? 0;
    seq ??= next;
    this.sendSeq.set(pair, Math.max(next, seq + 1));
    if (this.mediaOutputs.size === 0) return false;
    const frame = encodeMediaFrame({
      source: directive.source,
      sink: directive.sink,
      codec: directive.codecNumber,
      seq,
      ts,
      payload,
    });
    let sent = false;
    for (const output of this.mediaOutputs) if (output.send(frame)) sent = true;
    if (sent) this.stats.recordSent(seq, payload.length);
    return sent;
  }

  /** Calls `listener` with every new media frame from the provider (duplicates dropped); returns an unsubscribe. */
  onFrame(listener: (frame: MediaFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Receive statistics per provider→us stream. */
  streamStats(): InboundStreamReport[] {
    return [...this.received].map(([pair, s]) => ({
      source: pairSource(pair),
      sink: pairSink(pair),
      ...s.stats.snapshot(),
    }));
  }

  describe(withState = false): InboundCallDescription {
    return {
      uri: this.uri,
      handler: this.handler,
      direction: 'outbound',
      from: this.from,
      to: this.to,
      clientDirectives: this.directives.clientDirectives,
      serverDirectives: this.directives.serverDirectives,
      ...(this.passport !== undefined ? { passport: this.passport } : {}),
      ...(this.verstat !== undefined ? { verstat: this.verstat } : {}),
      ...(this.sipCallId !== undefined ? { 'sip-call-id': this.sipCallId } : {}),
      ...(withState ? { state: this.state, ...(this.reason ? { reason: this.reason } : {}) } : {}),
    };
  }

  // ------------------------------------------------------------------ protocol side (used by InboundServer)

  private progress(state: 'alerting' | 'answered', sipStatus?: number): boolean {
    if (this.isEnded || this.state === state || this.state === 'answered') return false;
    const now = new Date();
    this.state = state;
    this.stateAt = now;
    if (state === 'answered') {
      this.answeredAt = now;
      this.stats.setupCompleted();
    }
    if (state === 'answered' && sipStatus !== undefined) this.answerSipStatus = sipStatus;
    const sip = this.answerSipStatus !== undefined ? { 'sip-status': this.answerSipStatus } : {};
    this.broadcast(createEvent(state, { direction: 's2c', call: this.uri, ts: now, ...sip, ...this.sipCallIdField() }));
    return true;
  }

  /** @internal The events a new GET events stream starts with. */
  currentEvents(): RiptEvent[] {
    if (this.isEnded) return this.finalEvents;
    const state = this.state === 'alerting' || this.state === 'answered' ? this.state : 'proceeding';
    const sip =
      state === 'answered' && this.answerSipStatus !== undefined ? { 'sip-status': this.answerSipStatus } : {};
    return [
      createEvent(state, { direction: 's2c', call: this.uri, ts: this.stateAt, ...sip, ...this.sipCallIdField() }),
    ];
  }

  private sipCallIdField(): { 'sip-call-id'?: string } {
    return this.sipCallId !== undefined ? { 'sip-call-id': this.sipCallId } : {};
  }

  /** @internal */
  addEventOutput(res: Writable<string>): object {
    const writer = new EventStreamWriter();
    let chunk = writer.open();
    for (const event of this.currentEvents()) chunk += writer.write(event);
    if (this.isEnded) {
      res.write(chunk + writer.close());
      res.end();
      return {};
    }
    res.write(chunk);
    const handle = {};
    this.eventOutputs.set(handle, { res, writer });
    this.eventsIdleSince = null;
    return handle;
  }

  /** @internal */
  removeEventOutput(handle: object): void {
    if (this.eventOutputs.delete(handle)) this.updateIdle();
  }

  /** @internal A PUT stream (events or media), closed when the call ends; events inputs keep the call alive. */
  addExchange(exchange: { close(): void }, events: boolean): void {
    this.exchanges.add(exchange);
    if (events) {
      this.eventInputs++;
      this.eventsIdleSince = null;
    }
  }

  /** @internal */
  removeExchange(exchange: { close(): void }, events: boolean): void {
    if (!this.exchanges.delete(exchange)) return;
    if (events) {
      this.eventInputs--;
      this.updateIdle();
    }
  }

  private updateIdle(): void {
    if (this.eventOutputs.size === 0 && this.eventInputs === 0 && this.eventsIdleSince === null) {
      this.eventsIdleSince = Date.now();
    }
  }

  private broadcast(event: RiptEvent): void {
    for (const { res, writer } of this.eventOutputs.values()) res.write(writer.write(event));
  }

  /** @internal A validated client event from a PUT events stream. */
  clientEvent(event: RiptEvent): void {
    if (this.isEnded) return;
    if (event.type === 'end') this.finish('ended', event.reason, true);
    else if (event.type === 'ping')
      this.broadcast(createEvent('pong', { direction: 's2c', call: this.uri, nonce: event.nonce }));
  }

  /** @internal */
  addMediaOutput(res: MediaWritable): object {
    const output = new MediaOutput(res);
    this.mediaOutputs.add(output);
    return output;
  }

  /** @internal */
  removeMediaOutput(handle: object): void {
    this.mediaOutputs.delete(handle as MediaOutput);
  }

  /** @internal A parser for one PUT media stream. */
  newParser(): FrameParser {
    return new FrameParser({ maxFrameSize: DEFAULT_MAX_FRAME_SIZE });
  }

  /** @internal Feeds one chunk of a PUT media stream. */
  receiveChunk(parser: FrameParser, chunk: Buffer, arrivalMs = Date.now()): void {
    if (this.isEnded) return;
    parser.push(chunk);
    for (let f: Frame | FrameError | null = parser.next(); f !== null; f = parser.next()) {
      if (f instanceof FrameError) this.framesRejected++;
      else this.receive(f, arrivalMs);
    }
  }

  /** @internal The PUT media stream ended. */
  endInput(parser: FrameParser): void {
    for (let f = parser.next(); f !== null; f = parser.next()) if (f instanceof FrameError) this.framesRejected++;
    if (parser.end()) this.framesRejected++;
  }

  private receive(frame: Frame, arrivalMs: number): void {
    if (frame.kind === FrameKind.Ack) {
      if (this.serverPairs.has(pairKey(frame.source, frame.sink))) this.stats.recordAck(frame.seq);
      return;
    }
    if (!this.allowed.has(directiveKey(frame.source, frame.sink, frame.codec))) {
      this.framesRejected++;
      return;
    }
    const pair = pairKey(frame.source, frame.sink);
    let stream = this.received.get(pair);
    if (!stream) this.received.set(pair, (stream = new ReceiveStream()));
    const arrival = stream.record(frame, arrivalMs);
    if (arrival === 'duplicate' || arrival === 'late') return;
    this.stats.recordReceived(frame.seq, frame.payload.length, frame.ts, arrivalMs);
    this.lastMediaAt = arrivalMs;
    if (stream.ackDue(arrivalMs)) this.sendAck(stream, arrivalMs);
    for (const listener of this.frameListeners) listener(frame);
  }

  /** @internal Periodic work: acks still owed for frames received. */
  tick(now = Date.now()): void {
    if (this.isEnded) return;
    for (const stream of this.received.values()) {
      if (stream.ackDue(now)) this.sendAck(stream, now);
    }
  }

  private sendAck(stream: ReceiveStream, now: number): void {
    // with no GET media stream open the ack stays owed (sent once one opens)
    if (this.mediaOutputs.size === 0 || !stream.stats.ack()) return;
    const fields = stream.takeAck(now);
    if (!fields) return;
    const frame = encodeAckFrame(fields);
    for (const output of this.mediaOutputs) output.send(frame);
  }

  /** @internal Ends the call (idempotent): final events to every GET stream, then every stream closed. */
  finish(
    state: 'declined' | 'noanswer' | 'failed' | 'ended',
    reason: string,
    byProvider: boolean,
    sipStatus?: number,
  ): boolean {
    if (this.isEnded) return false;
    if (sipStatus !== undefined && (!Number.isInteger(sipStatus) || sipStatus < 100 || sipStatus > 699)) {
      throw new ClientError(`sipStatus must be a SIP status code (100-699), not ${sipStatus}`, 'state');
    }
    const now = new Date();
    const base = {
      direction: 's2c' as const,
      call: this.uri,
      ts: now,
      ...(sipStatus !== undefined ? { 'sip-status': sipStatus } : {}),
      ...this.sipCallIdField(),
    };
    const end = createEvent('end', { ...base, reason });
    if (state === 'failed') this.finalEvents = [createEvent('failed', { ...base, reason }), end];
    else if (state === 'declined' || state === 'noanswer') this.finalEvents = [createEvent(state, base), end];
    else this.finalEvents = [end];
    this.state = state;
    this.reason = reason;
    this.stateAt = now;
    this.endedAt = now;
    for (const { res, writer } of this.eventOutputs.values()) {
      res.write(this.finalEvents.map((e) => writer.write(e)).join('') + writer.close());
      res.end();
    }
    this.eventOutputs.clear();
    for (const output of this.mediaOutputs) output.res.end();
    this.mediaOutputs.clear();
    for (const exchange of [...this.exchanges]) exchange.close();
    this.exchanges.clear();
    this.frameListeners.clear();
    this.resolveEnded({ state, reason, byProvider });
    return true;
  }
}
