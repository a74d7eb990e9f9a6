import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { RiptError } from '@riptrunk/ript';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from './oauth-error.js';
import { problem, PROBLEM_CONTENT_TYPE, ProblemException, type Problem } from './problem.js';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than the limit',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty but declared as application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_EMPTY_TYPE: 'Content-Type is empty',
  FST_ERR_CTP_INVALID_TYPE: 'Content-Type is invalid',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
};

/** Maps any thrown value to an RFC 9457 problem; unknown errors become an opaque 500. */
export function toProblem(
  err: unknown,
  requestId: string,
): { problem: Problem; headers: Record<string, string>; unexpected: boolean } {
  if (err instanceof ProblemException) return { problem: err.problem, headers: err.headers, unexpected: false };
  if (err instanceof RiptError) return { problem: err.toProblem(), headers: err.headers, unexpected: false };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const body = err.getResponse();
    const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : err.message;
    return { problem: problem(status, detail), headers: {}, unexpected: status >= 500 };
  }
  const fe = err as FastifyLikeError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const isJsonSyntax = err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY';
    const detail = isJsonSyntax
      ? `Request body is not valid JSON: ${fe.message}`
      : (FASTIFY_DETAILS[fe.code ?? ''] ?? fe.message);
    return { problem: problem(fe.statusCode, detail), headers: {}, unexpected: false };
  }
  return {
    problem: problem(500, `An unexpected error occurred. Quote correlation id ${requestId} when reporting it.`, {
      correlationId: requestId,
    }),
    headers: {},
    unexpected: true,
  };
}

export function sendProblem(reply: FastifyReply, result: ReturnType<typeof toProblem>, instance?: string): void {
  const body = instance ? { ...result.problem, instance } : result.problem;
  void reply
    .status(body.status)
    .headers(result.headers)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(body));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (err instanceof OAuthError) {
      // an RFC 6749 refusal (bad client, replayed assertion...) is an answer, not a fault of ours
      if (err.status >= 500) this.logger.error({ err, requestId: request.id }, 'OAuth server error');
      if (reply.sent) return;
      void reply
        .status(err.status)
        .headers({ ...err.headers, 'cache-control': 'no-store' })
        .header('content-type', 'application/json')
        .send(JSON.stringify(err.body));
      return;
    }
    const result = toProblem(err, String(request.id));
    if (result.unexpected) this.logger.error({ err, requestId: request.id }, 'unexpected error');
    if (reply.sent) return;
    sendProblem(reply, result, request.url.split('?')[0]);
  }
}
