import { constants, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { LookupFunction } from 'node:net';
import { H2Streams } from '@riptrunk/sdk';
import { guardedLookup } from '../../common/http/outbound.js';

/** What a consumer TG answered to a request/response exchange. */
export interface ConsumerTgAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A consumer TG could not be reached or did not answer in time (network, TLS, timeout). */
export class ConsumerTgUnreachable extends Error {
  constructor(
    readonly url: string,
    readonly why: string,
  ) {
    super(`${url}: ${why}`);
    this.name = 'ConsumerTgUnreachable';
  }
}

const MAX_BODY_BYTES = 64 * 1024;

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EPRIVATE') return 'resolves to a loopback or private address';
  if (e.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(e.code))
    return `TLS certificate not trusted (${e.code})`;
  return e.code ?? e.message;
}

/**
 * The edge as an HTTP/2 client of the enterprises' consumer TGs (profile §1: for calls towards an enterprise the
 * edge is the client): one session per origin, certificates checked against `ca`, every resolved address checked
 * against private ranges at connect time unless `allowPrivate`.
 */
export class ConsumerTgClient {
  private readonly streams: H2Streams;

  constructor(private readonly options: { ca: string[]; allowPrivate: boolean; timeoutMs: number }) {
    this.streams = new H2Streams({ ca: options.ca, lookup: guardedLookup(options.allowPrivate) as LookupFunction });
  }

  /** Opens a stream; GETs end their side at once, PUTs and POSTs are written by the caller. */
  stream(method: 'GET' | 'PUT' | 'POST', url: string, token: string, contentType?: string): ClientHttp2Stream {
    return this.streams.request(method, url, token, contentType, { accept: 'application/json' });
  }

  /** Waits for a stream's response headers. */
  response(stream: ClientHttp2Stream, url: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.close(constants.NGHTTP2_CANCEL);
        reject(new ConsumerTgUnreachable(url, `no answer in ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      stream.once('response', (headers) => {
        clearTimeout(timer);
        resolve({ status: Number(headers[constants.HTTP2_HEADER_STATUS]), headers });
      });
      stream.once('error', (err) => {
        clearTimeout(timer);
        reject(new ConsumerTgUnreachable(url, describe(err)));
      });
      stream.once('close', () => {
        clearTimeout(timer);
        reject(new ConsumerTgUnreachable(url, 'stream closed before an answer'));
      });
    });
  }

  /** A JSON request and its whole answer (at most 64 KiB), within the timeout. */
  async json(method: 'GET' | 'PUT' | 'POST', url: string, token: string, body?: unknown): Promise<ConsumerTgAnswer> {
    let stream: ClientHttp2Stream;
    try {
      stream = this.stream(method, url, token, body === undefined ? undefined : 'application/json');
    } catch (err) {
      throw new ConsumerTgUnreachable(url, describe(err));
    }
    if (method !== 'GET') stream.end(body === undefined ? undefined : JSON.stringify(body));
    const { status, headers } = await this.response(stream, url);
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), this.options.timeoutMs);
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) throw new ConsumerTgUnreachable(url, 'answer larger than 64 KiB');
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof ConsumerTgUnreachable) throw err;
      throw new ConsumerTgUnreachable(url, describe(err));
    } finally {
      clearTimeout(timer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status, headers, body: parsed };
  }

  close(): void {
    this.streams.close();
  }
}
