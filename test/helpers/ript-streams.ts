import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { EventStreamParser, type Frame, FrameError, FrameParser } from '@riptrunk/ript';

/** Long-lived RIPT streams (events, media) over Node's own HTTP/2 client, one session per origin. */
export class RiptStreams {
  private readonly sessions = new Map<string, ClientHttp2Session>();

  constructor(
    private readonly ca: string,
    private readonly token: string,
  ) {}

  session(origin: string): ClientHttp2Session {
    let session = this.sessions.get(origin);
    if (!session || session.closed || session.destroyed) {
      session = connect(origin, { ca: this.ca });
      session.on('error', () => undefined);
      this.sessions.set(origin, session);
    }
    return session;
  }

  /** Starts a request; GETs end their (empty) body at once, PUTs stay open for the caller to write. */
  request(method: 'GET' | 'PUT', url: string, headers: Record<string, string> = {}): RiptStream {
    const u = new URL(url);
    const stream = this.session(u.origin).request(
      {
        [constants.HTTP2_HEADER_METHOD]: method,
        [constants.HTTP2_HEADER_PATH]: u.pathname,
        authorization: `Bearer ${this.token}`,
        ...headers,
      },
      { endStream: method === 'GET' },
    );
    return new RiptStream(stream);
  }

  close(): void {
    for (const s of this.sessions.values()) s.destroy();
    this.sessions.clear();
  }
}

export class RiptStream {
  status = 0;
  readonly chunks: Buffer[] = [];
  readonly response: Promise<number>;
  readonly closed: Promise<void>;
  private ended = false;

  constructor(readonly stream: ClientHttp2Stream) {
    stream.on('error', () => undefined);
    this.response = new Promise((resolve) => {
      stream.once('response', (h) => {
        this.status = Number(h[':status']);
        resolve(this.status);
      });
      stream.once('close', () => resolve(this.status));
    });
    this.closed = new Promise((resolve) => stream.once('close', () => resolve()));
    stream.on('data', (d: Buffer) => this.chunks.push(d));
    stream.once('end', () => (this.ended = true));
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  get isEnded(): boolean {
    return this.ended;
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.stream.write(data, (err) => (err ? reject(err) : resolve())));
  }

  end(data?: string | Buffer): void {
    this.stream.end(data);
  }
}

/** Frames of a GET media stream as they arrive. */
export class FrameCollector {
  readonly frames: Frame[] = [];
  readonly errors: FrameError[] = [];
  private readonly parser = new FrameParser({ maxFrameSize: 65537 });

  constructor(stream: RiptStream) {
    for (const c of stream.chunks) this.push(c);
    stream.stream.on('data', (d: Buffer) => this.push(d));
  }

  private push(chunk: Buffer): void {
    for (const f of this.parser.feed(Buffer.from(chunk))) {
      if (f instanceof FrameError) this.errors.push(f);
      else this.frames.push({ ...f, payload: Buffer.from(f.payload) } as Frame);
    }
  }

  media(): Frame[] {
    return this.frames.filter((f) => f.kind === 0);
  }

  acks(): Frame[] {
    return this.frames.filter((f) => f.kind === 1);
  }
}

/** Events of a GET events stream as they arrive. */
export class EventCollector {
  readonly events: Record<string, any>[] = [];
  private readonly parser = new EventStreamParser();

  constructor(readonly stream: RiptStream) {
    for (const c of stream.chunks) this.push(c);
    stream.stream.on('data', (d: Buffer) => this.push(d));
  }

  private push(chunk: Buffer): void {
    this.events.push(...this.parser.push(chunk));
  }

  get closed(): boolean {
    return this.parser.closed;
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }
}
