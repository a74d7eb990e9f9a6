import { createHash, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import {
  type FieldError,
  PROBLEM_CONTENT_TYPE,
  type ProblemDocument,
  problemType,
  RiptError,
  type ProblemSlug,
  type RawRequest,
  type RawResponse,
} from '@riptrunk/ript';

/** node:http2 compatibility objects, or HTTP/1.1 ones (the server allows both). */
export type InboundRequest = RawRequest;
export type InboundResponse = RawResponse;

const MAX_JSON_BYTES = 64 * 1024;

export type { FieldError };

/**
 * An RFC 9457 problem the server answers with: a registered slug (type `urn:riptrunk:problem:<slug>`), answered
 * with the status the call site gives (one slug is answered with two statuses: `no-common-codec`, 400 when a
 * handler registers, 409 when a call is placed) and the HTTP reason phrase as its title.
 */
export class HttpProblem extends RiptError {
  readonly #status: number;

  constructor(
    status: number,
    slug: ProblemSlug,
    detail: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(slug, detail, extra, headers);
    this.#status = status;
  }

  override get status(): number {
    return this.#status;
  }

  get slug(): ProblemSlug {
    return this.code;
  }

  static validation(errors: FieldError[]): HttpProblem {
    return new HttpProblem(400, 'validation', errors.map((e) => e.detail).join('; '), { errors });
  }

  /** The document answered (the status and title above, not the registry's). */
  override toProblem(): ProblemDocument {
    return this.body() as ProblemDocument;
  }

  body(): Record<string, unknown> {
    return {
      type: problemType(this.code),
      title: STATUS_CODES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      ...this.extra,
    };
  }
}

/** Constant-time comparison of a presented bearer token with the expected one (lengths hidden by hashing). */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && presented.length === expected.length;
}

export function bearerOf(header: string | undefined): string | undefined {
  const m = /^Bearer +([\x21-\x7e]+) *$/i.exec(header ?? '');
  return m?.[1];
}

export function sendJson(
  res: InboundResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = body === undefined ? '' : JSON.stringify(body);
  (res as ServerResponse).writeHead(status, {
    ...(text ? { 'content-type': contentType } : {}),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendProblem(res: InboundResponse, problem: HttpProblem): void {
  sendJson(res, problem.status, problem.body(), problem.headers, PROBLEM_CONTENT_TYPE);
}

/** Reads a JSON request body (at most 64 KiB); 415 for another content type, 400 for bad JSON. */
export async function readJson(req: InboundRequest): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? 'application/json');
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new HttpProblem(415, 'unsupported-media-type', `expected application/json, not ${type}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES) throw new HttpProblem(413, 'payload-too-large', 'the body is larger than 64 KiB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpProblem(400, 'invalid-json', 'the body is not JSON');
  }
}

export function jsonObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpProblem(400, 'invalid-body', 'the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function unknownFields(body: Record<string, unknown>, allowed: readonly string[]): FieldError[] {
  return Object.keys(body)
    .filter((k) => !allowed.includes(k))
    .map((k) => ({ pointer: `#/${k}`, detail: `unknown field ${k}` }));
}

/** Sends the status and headers of a long-lived response now. */
export function openStream(res: InboundResponse, contentType: string): void {
  res.on('error', () => undefined); // a reset stream ends with 'close'
  (res as ServerResponse).writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
  (res as ServerResponse).flushHeaders?.();
}

/** Ends an exchange: the response (204 if nothing was sent), then the request body. */
export { endExchange as closeExchange } from '@riptrunk/ript';
