import { createHash } from 'node:crypto';
import { Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import type { FastifyReply } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource, QueryFailedError } from 'typeorm';
import type { AuthedRequest } from '../auth/auth.guard.js';
import { mutationContext, runAfterCommit } from '../context/request-context.js';
import { SecretBox } from '../crypto/secret-box.js';
import { IdempotencyKeyEntity } from './idempotency-key.entity.js';
import { ProblemException } from './problem.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NO_TRANSACTION = 'riptrunk:no-transaction';

/**
 * For POST endpoints that write nothing to Postgres (the OAuth token, revocation and introspection endpoints): no
 * transaction, no idempotency record. A transaction held across their own reads would need a second pool connection
 * per request and could exhaust the pool under load.
 */
export const WithoutTransaction = () => SetMetadata(NO_TRANSACTION, true);
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['location', 'etag'];

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const driver = (err as QueryFailedError & { driverError?: { code?: string; constraint?: string } }).driverError;
  return (
    err instanceof QueryFailedError && driver?.code === '23505' && (!constraint || driver.constraint === constraint)
  );
}

/**
 * Runs every mutating request in one database transaction (so the change, its audit events and its idempotency
 * record commit together or not at all) and answers retried creates from their stored response.
 */
@Injectable()
export class MutationInterceptor implements NestInterceptor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    if (!MUTATING.has(request.method)) return next.handle();
    if (this.reflector.getAllAndOverride<boolean>(NO_TRANSACTION, [context.getHandler(), context.getClass()])) {
      return next.handle();
    }
    return from(this.run(context, request, next));
  }

  private async run(context: ExecutionContext, request: AuthedRequest, next: CallHandler): Promise<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const rawKey = request.headers['idempotency-key'];
    const key = request.method === 'POST' && rawKey !== undefined ? String(rawKey) : undefined;
    if (key !== undefined && !KEY_FORMAT.test(key)) {
      throw ProblemException.of('invalid-idempotency-key', 'Idempotency-Key must be 1-255 visible ASCII characters');
    }
    // Anonymous callers (dynamic registration) are told apart by their credential, never stored in clear.
    const actor =
      request.principal?.actor ??
      `anonymous:${createHash('sha256')
        .update(String(request.headers.authorization ?? ''))
        .digest('base64url')}`;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
      .digest('base64url');
    if (key) {
      const stored = await this.dataSource.getRepository(IdempotencyKeyEntity).findOneBy({ actor, key });
      if (stored) return this.replay(stored, requestHash, reply);
    }
    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      (request.method === 'POST' ? 201 : 200);
    const afterCommit: (() => void | Promise<void>)[] = [];
    try {
      const result = await this.dataSource.transaction(async (manager) =>
        mutationContext.run(
          { manager, principal: request.principal, requestId: String(request.id), afterCommit },
          async () => {
            const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
            if (key) {
              const headers = Object.fromEntries(
                REPLAYED_HEADERS.map((h) => [h, reply.getHeader(h)]).filter(([, v]) => v !== undefined),
              ) as Record<string, string>;
              const bodySealed = this.box.seal(JSON.stringify(body ?? null), `${actor}\n${key}`);
              await manager
                .getRepository(IdempotencyKeyEntity)
                .insert({ actor, key, requestHash, status, bodySealed, headers });
            }
            return body;
          },
        ),
      );
      await runAfterCommit(afterCommit);
      return result;
    } catch (err) {
      if (key && isUniqueViolation(err, 'pk_idempotency_keys')) {
        const stored = await this.dataSource.getRepository(IdempotencyKeyEntity).findOneByOrFail({ actor, key });
        return this.replay(stored, requestHash, reply);
      }
      throw err;
    }
  }

  private replay(stored: IdempotencyKeyEntity, requestHash: string, reply: FastifyReply): unknown {
    if (stored.requestHash !== requestHash) {
      throw ProblemException.of(
        'idempotency-key-reused',
        'This Idempotency-Key was already used with a different request body or path',
      );
    }
    void reply.status(stored.status).headers({ ...stored.headers, 'idempotent-replayed': 'true' });
    return JSON.parse(this.box.open(stored.bodySealed, `${stored.actor}\n${stored.key}`)) as unknown;
  }
}
