import type { ClientHttp2Stream } from 'node:http2';
import {
  ACK_DEADLINE_MS,
  createEvent,
  type Directive,
  encodeAckFrame,
  encodeMediaFrame,
  EventStreamParser,
  EventStreamWriter,
  type Frame,
  FrameError,
  FrameKind,
  FrameParser,
  type MediaFrame,
  parseDirectives,
  type RiptEvent,
  StreamStats,
} from '@riptrunk/ript';
import { MediaStats } from './audio/stats.js';
import type { H2Streams } from './h2.js';
import { ClientError } from './http.js';

export interface CallDescription {
  uri: string;
  handler: string;
  direction: 'outbound' | 'inbound';
  from: string;
  to: string;
  clientDirectives: string;
  serverDirectives: string;
  passport?: string;
}

/** Times a lost events stream is reopened (after the TG's retry-backoff) before the call is given up. */
const MAX_RECONNECTS = 5;

/** One RIPT call from the client's side: its events (both ways) and its media streams. */
export class RiptCall {
  readonly stats = new MediaStats();
  readonly clientDirectives: Directive[];
  readonly serverDirectives: Directive[];
  private eventsOut?: { stream: ClientHttp2Stream; writer: EventStreamWriter };
  private mediaOut?: ClientHttp2Stream;
  private mediaIn?: ClientHttp2Stream;
  private readonly sendSeq = new Map<string, number>();
  private readonly received = new Map<string, StreamStats>();
  private ackTimer?: NodeJS.Timeout;
  private frameListener?: (frame: MediaFrame) => void;
  private mediaWanted = false;
  private mediaReconnects = 0;
  private closed = false;
  ended = false;
  /** How many times the call moved to another edge (`migrate`). */
  migrations = 0;

  constructor(
    readonly description: CallDescription,
    private readonly streams: H2Streams,
    private readonly token: () => Promise<string>,
    setupStartedAt: number,
    /** The TG's retry-backoff (ms): the wait before a lost stream is reopened. */
    private readonly retryBackoffMs = 2000,
  ) {
    this.clientDirectives = parseDirectives(description.clientDirectives);
    this.serverDirectives = parseDirectives(description.serverDirectives);
    this.stats.setupStarted(setupStartedAt);
  }

  get uri(): string {
    return this.description.uri;
  }

  /**
   * Server→client events as they arrive (the current state first), until the call ends. A `migrate` moves every
   * stream of the call to the new URI; a stream lost otherwise is reopened after the TG's retry-backoff.
   */
  async *events(): AsyncGenerator<RiptEvent> {
    let reconnects = 0;
    while (!this.ended) {
      let opened;
      try {
        opened = await this.streams.open('GET', `${this.uri}/events`, await this.token());
      } catch (err) {
        if (++reconnects > MAX_RECONNECTS) throw err;
        await new Promise((r) => setTimeout(r, this.retryBackoffMs));
        continue;
      }
      const { status, stream } = opened;
      if (status !== 200) throw new ClientError(`GET ${this.uri}/events: ${status}`, 'http', status);
      const parser = new EventStreamParser();
      let moved = false;
      try {
        for await (const chunk of stream) {
          for (const event of parser.push(chunk as Buffer)) {
            const e = event as unknown as RiptEvent;
            if (e.type === 'answered') this.stats.setupCompleted();
            if (e.type === 'end' || e.type === 'failed' || e.type === 'declined' || e.type === 'noanswer')
              this.ended = true;
            if (e.type === 'migrate') {
              this.moveTo(e.to);
              moved = true;
            }
            yield e;
            reconnects = 0;
          }
          if (moved) break;
        }
      } catch (err) {
        if (this.ended) return;
        if (!(err instanceof Error) || ++reconnects > MAX_RECONNECTS) throw err;
      }
      if (this.ended) return;
      if (!moved) {
        if (++reconnects > MAX_RECONNECTS) throw new ClientError(`${this.uri}: events stream lost`, 'stream');
        await new Promise((r) => setTimeout(r, this.retryBackoffMs));
      }
    }
  }

  /** `migrate`: the call now lives at `to`; the open streams move there. */
  private moveTo(to: string): void {
    this.description.uri = to;
    this.migrations++;
    if (this.eventsOut) {
      const old = this.eventsOut;
      this.eventsOut = undefined;
      old.stream.end(old.writer.close());
    }
    if (this.mediaWanted) void this.attachMedia().catch(() => undefined);
  }

  /** Sends a client event (end, ping, pong) on the long-lived PUT events stream, opening it on first use. */
  async send(type: 'end' | 'ping' | 'pong', fields: { reason?: string; nonce?: string } = {}): Promise<void> {
    if (!this.eventsOut) {
      const stream = this.streams.request('PUT', `${this.uri}/events`, await this.token(), 'application/json');
      const writer = new EventStreamWriter();
      stream.write(writer.open());
      this.eventsOut = { stream, writer };
    }
    const event =
      type === 'end'
        ? createEvent('end', { direction: 'c2s', call: this.uri, reason: fields.reason ?? 'normal' })
        : createEvent(type, { direction: 'c2s', call: this.uri, nonce: fields.nonce ?? String(Date.now()) });
    this.eventsOut.stream.write(this.eventsOut.writer.write(event));
  }

  /** Ends the call with an `end` event. */
  async end(reason = 'normal'): Promise<void> {
    if (this.ended) return;
    await this.send('end', { reason });
    this.ended = true;
  }

  /** Calls `listener` for every media frame the server sends (acks are consumed for RTT statistics). */
  onFrame(listener: (frame: MediaFrame) => void): void {
    this.frameListener = listener;
  }

  /** Opens the media streams: PUT for our frames, GET for the server's. */
  async openMedia(): Promise<void> {
    this.mediaWanted = true;
    await this.attachMedia();
    this.ackTimer = setInterval(() => this.sendAcks(), ACK_DEADLINE_MS);
    this.ackTimer.unref();
  }

  /** (Re)opens both media streams at the call's current URI, closing earlier ones. */
  private async attachMedia(): Promise<void> {
    const token = await this.token();
    const uri = this.uri;
    this.mediaOut?.end();
    this.mediaIn?.close();
    this.mediaOut = this.streams.request('PUT', `${uri}/media`, token, 'application/octet-stream');
    const { status, stream } = await this.streams.open('GET', `${uri}/media`, token);
    if (status !== 200) throw new ClientError(`GET ${uri}/media: ${status}`, 'http', status);
    this.mediaIn = stream;
    this.mediaReconnects = 0;
    const parser = new FrameParser();
    stream.on('data', (chunk: Buffer) => {
      parser.push(chunk);
      for (let f: Frame | FrameError | null = parser.next(); f !== null; f = parser.next()) {
        if (f instanceof FrameError) continue;
        this.onIncoming(f);
      }
    });
    stream.once('close', () => this.mediaLost(stream));
  }

  /** A media stream closed under a live call (not by us, not by `migrate`): reopened after the TG's retry-backoff. */
  private mediaLost(stream: ClientHttp2Stream): void {
    if (this.closed || this.ended || this.mediaIn !== stream || ++this.mediaReconnects > MAX_RECONNECTS) return;
    const timer = setTimeout(() => {
      if (this.closed || this.ended || this.mediaIn !== stream) return;
      this.attachMedia().catch(() => undefined);
    }, this.retryBackoffMs);
    timer.unref();
  }

  private onIncoming(frame: Frame): void {
    if (frame.kind === FrameKind.Ack) {
      this.stats.recordAck(frame.seq);
      return;
    }
    const key = `${frame.source}:${frame.sink}`;
    let stats = this.received.get(key);
    if (!stats) this.received.set(key, (stats = new StreamStats()));
    const arrival = Date.now();
    stats.record(frame, arrival);
    this.stats.recordReceived(frame.seq, frame.payload.length, frame.ts, arrival);
    this.frameListener?.(frame);
  }

  private sendAcks(): void {
    if (!this.mediaOut || this.mediaOut.closed) return;
    for (const stats of this.received.values()) {
      const ack = stats.ack();
      if (ack) this.mediaOut.write(encodeAckFrame(ack));
    }
  }

  /**
   * Sends one media frame on the directive's source/sink with the next sequence number, or with `seq` when given
   * (a gateway keeps the RTP numbering; later frames without one continue after the highest seq sent).
   */
  sendFrame(directive: Directive, payload: Uint8Array, ts = Date.now(), seq?: number): void {
    if (!this.mediaOut) throw new ClientError('openMedia() first', 'state');
    const key = `${directive.source}:${directive.sink}`;
    const next = this.sendSeq.get(key) ?? 0;
    if (seq !== undefined && (!Number.isSafeInteger(seq) || seq < 0)) {
      throw new RangeError(`seq must be a safe non-negative integer, got ${seq}`);
    }
    seq ??= next;
    this.sendSeq.set(key, Math.max(next, seq + 1));
    this.mediaOut.write(
      encodeMediaFrame({
        source: directive.source,
        sink: directive.sink,
        codec: directive.codecNumber,
        seq,
        ts,
        payload,
      }),
    );
    this.stats.recordSent(seq, payload.length);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.ackTimer);
    this.mediaOut?.end();
    this.mediaIn?.close();
    if (this.eventsOut) {
      this.eventsOut.stream.end(this.eventsOut.writer.close());
    }
  }
}
