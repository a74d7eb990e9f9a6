import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';
import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { ClientError, explainNetworkError } from './http.js';

/**
 * Long-lived HTTP/2 streams (RIPT events and media) over one session per origin, with the provider's CA trusted
 * explicitly. Plain request/response calls go through undici; these need both directions open at once. The edge
 * uses it too, as the client of consumer TGs (`ca` and a guarded `lookup` instead of a CA file).
 */
export class H2Streams {
  private readonly sessions = new Map<string, ClientHttp2Session>();
  private readonly ca: string[];
  private readonly lookup?: LookupFunction;

  constructor(trust?: string | { ca: string[]; lookup?: LookupFunction }) {
    if (typeof trust === 'object') {
      this.ca = trust.ca;
      this.lookup = trust.lookup;
    } else {
      this.ca = [...rootCertificates, ...(trust ? [readFileSync(trust, 'utf8')] : [])];
    }
  }

  private session(origin: string): ClientHttp2Session {
    let session = this.sessions.get(origin);
    if (!session || session.closed || session.destroyed) {
      const s = connect(origin, { ca: this.ca, ...(this.lookup ? { lookup: this.lookup } : {}) });
      const forget = () => {
        if (this.sessions.get(origin) === s) this.sessions.delete(origin);
      };
      s.on('error', forget);
      s.on('close', forget);
      s.on('goaway', forget); // no new streams on it
      this.sessions.set(origin, s);
      session = s;
    }
    return session;
  }

  /** Starts a request whose body the caller streams (a PUT of events or media); the answer comes when it ends. */
  request(
    method: 'GET' | 'PUT' | 'POST',
    url: string,
    token: string,
    contentType?: string,
    headers: Record<string, string> = {},
  ): ClientHttp2Stream {
    const u = new URL(url);
    const stream = this.session(u.origin).request(
      {
        ...headers,
        [constants.HTTP2_HEADER_METHOD]: method,
        [constants.HTTP2_HEADER_PATH]: `${u.pathname}${u.search}`,
        authorization: `Bearer ${token}`,
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      { endStream: method === 'GET' },
    );
    stream.on('error', () => undefined); // reported through the response promise or the caller's listeners
    return stream;
  }

  /** Opens a stream and waits for the response headers (a GET of events or media). */
  open(
    method: 'GET' | 'PUT',
    url: string,
    token: string,
    contentType?: string,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; stream: ClientHttp2Stream }> {
    const stream = this.request(method, url, token, contentType);
    return new Promise((resolve, reject) => {
      stream.once('response', (headers) => resolve({ status: Number(headers[':status']), headers, stream }));
      stream.once('error', (err) => reject(explainNetworkError(err, url)));
      stream.once('close', () => reject(new ClientError(`${url}: stream closed before a response`, 'stream')));
    });
  }

  /** Closes every session; streams still open after `graceMs` are cut. */
  close(graceMs = 1_000): void {
    for (const session of this.sessions.values()) {
      session.close();
      setTimeout(() => session.destroy(), graceMs).unref();
    }
    this.sessions.clear();
  }
}
