import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../http/problem.js';
import type { Principal, Scope } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRED_SCOPES } from './scopes.decorator.js';
import { TokenVerifiers } from './token-verifiers.js';

export type AuthedRequest = FastifyRequest & { principal?: Principal };

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

function unauthorized(detail: string, error = 'invalid_token'): ProblemException {
  return ProblemException.of('unauthorized', detail, {}, { 'www-authenticate': `Bearer error="${error}"` });
}

/**
 * Every route needs a bearer token with one of its required scopes, unless it is @Public. The control plane and the
 * edge differ only in how they verify a token.
 */
export abstract class BearerAuthGuard implements CanActivate {
  constructor(protected readonly reflector: Reflector) {}

  protected abstract verify(token: string): Promise<Principal | null>;

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const required = this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES, targets);
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    if (!header) throw unauthorized('Authorization: Bearer <token> is required', 'invalid_request');
    const match = BEARER.exec(header);
    if (!match) throw unauthorized('Authorization header must be "Bearer <token>"', 'invalid_request');
    const principal = await this.verify(match[1]);
    if (!principal) throw unauthorized('The bearer token is invalid, expired or revoked');
    request.principal = principal;
    if (!required?.length || !required.some((s) => principal.scopes.has(s))) {
      throw ProblemException.of(
        'insufficient-scope',
        `This route needs one of the scopes: ${(required ?? ['(none configured)']).join(', ')}`,
        {},
        { 'www-authenticate': `Bearer error="insufficient_scope", scope="${(required ?? []).join(' ')}"` },
      );
    }
    return true;
  }
}

@Injectable()
export class AuthGuard extends BearerAuthGuard {
  constructor(
    reflector: Reflector,
    private readonly verifiers: TokenVerifiers,
  ) {
    super(reflector);
  }

  protected verify(token: string): Promise<Principal | null> {
    return this.verifiers.verify(token);
  }
}
