import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, type Problem } from '../../common/http/problem.js';
import {
  endExchange,
  problemDocument,
  stopRequestBody,
  type ProblemSlug,
  type RawRequest,
  type RawResponse,
} from '@riptrunk/ript';

export type { RawRequest, RawResponse };

/**
 * Long-lived request and response bodies on Fastify (events and media streams, profile §6-§7).
 *
 * Fastify parses a request body completely before the handler runs, with one set of content-type parsers for the
 * whole server. Routes marked with `@RouteConfig({ riptStream: true })` skip that: a preParsing hook points them at
 * a parser of an internal content type that consumes nothing, so the handler reads `request.raw` as it arrives.
 * The client's own Content-Type stays readable in `request.raw.headers`. Responses are hijacked from Fastify and
 * written to `reply.raw` directly.
 */
export const STREAM_ROUTE = { riptStream: true } as const;
const STREAM_MARKER_TYPE = 'application/x-riptrunk-stream';

const ignore = (): void => undefined;

export function installStreamingBodies(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(STREAM_MARKER_TYPE, (_request, _payload, done) => done(null, undefined));
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    if ((request.routeOptions.config as { riptStream?: boolean } | undefined)?.riptStream) {
      request.headers = { 'content-type': STREAM_MARKER_TYPE } as unknown as typeof request.headers;
    }
    done(null, payload);
  });
  // A stream route answered by Fastify itself (401, 404, 429...) must not leave the client's request body open.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if ((request.routeOptions.config as { riptStream?: boolean } | undefined)?.riptStream) {
      setImmediate(() => stopRequestBody(request.raw as RawRequest, reply.raw as RawResponse));
    }
    done(null, payload);
  });
}

/** Takes the response over from Fastify and sends the status and headers now. */
export function openResponse(reply: FastifyReply, status: number, headers: Record<string, string> = {}): RawResponse {
  void reply.hijack();
  const res = reply.raw as RawResponse;
  // a stream reset by the client must not become an uncaught 'error'; 'close' does the cleanup
  res.on('error', ignore);
  (reply.request.raw as RawRequest).on('error', ignore);
  (res as ServerResponse).writeHead(status, {
    'cache-control': 'no-store',
    'x-request-id': String(reply.request.id),
    ...headers,
  });
  (res as ServerResponse).flushHeaders?.(); // HTTP/2 sends them in writeHead already
  return res;
}

/** Answers a hijacked (or not yet answered) exchange with a problem document. */
export function endWithProblem(
  res: RawResponse,
  slug: ProblemSlug,
  detail: string,
  extra: Partial<Problem> = {},
): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = problemDocument(slug, detail, extra);
  (res as ServerResponse).writeHead(body.status, { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Ends a stream route's exchange (see endExchange). */
export function closeExchange(request: FastifyRequest, res: RawResponse): void {
  endExchange(request.raw as RawRequest, res);
}
