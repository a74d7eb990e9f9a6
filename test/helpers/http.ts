import { connect } from 'node:http2';
import { Agent, request } from 'undici';

export interface TestResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  token?: string;
}

/** An HTTP/2 client that trusts only the given CA, as an enterprise client would. */
export class TestClient {
  readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    ca: string,
    readonly defaultToken?: string,
  ) {
    this.agent = new Agent({ allowH2: true, connect: { ca } });
  }

  async req<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token ?? this.defaultToken;
    if (token && !('authorization' in headers)) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await request(new URL(path, this.baseUrl), {
      method: method as 'GET',
      headers,
      body,
      dispatcher: this.agent,
    });
    const text = await res.body.text();
    let parsed: unknown = undefined;
    const type = String(res.headers['content-type'] ?? '');
    if (text && type.includes('json')) parsed = JSON.parse(text);
    return { status: res.statusCode, headers: res.headers, text, body: parsed as T };
  }

  get<T = any>(path: string, opts?: RequestOptions) {
    return this.req<T>('GET', path, opts);
  }
  post<T = any>(path: string, body?: unknown, opts: RequestOptions = {}) {
    return this.req<T>('POST', path, { ...opts, body });
  }
  patch<T = any>(path: string, body?: unknown, opts: RequestOptions = {}) {
    return this.req<T>('PATCH', path, { ...opts, body });
  }
  put<T = any>(path: string, body?: unknown, opts: RequestOptions = {}) {
    return this.req<T>('PUT', path, { ...opts, body });
  }
  delete<T = any>(path: string, opts?: RequestOptions) {
    return this.req<T>('DELETE', path, opts);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** One POST over Node's own HTTP/2 client, reading the response even when the server refuses a large upload early. */
export function http2Post(
  target: { url: string; ca: string },
  path: string,
  body: string,
  token = 'test-admin-token-0123456789abcdef',
): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    // Node's client otherwise resets its own stream when the queued upload passes its 10 MB session memory.
    const session = connect(target.url, { ca: target.ca, maxSessionMemory: 64 });
    session.on('error', () => undefined);
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
    });
    let status = 0;
    let contentType = '';
    let text = '';
    req.on('response', (h) => {
      status = Number(h[':status']);
      contentType = String(h['content-type']);
    });
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('close', () => {
      session.close();
      if (status) resolve({ status, contentType, body: text });
      else reject(new Error('no response'));
    });
    req.on('error', () => undefined);
    req.end(body);
  });
}
