import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../common/auth/public.decorator.js';
import { AppConfig } from '../../common/config/app-config.js';
import { secretMatches } from '../../common/crypto/secret-box.js';
import { OAuthError } from '../../common/http/oauth-error.js';
import { RateLimiter } from '../../common/http/rate-limiter.js';
import { ENTERPRISE_SCOPES, validateClientMetadata } from './client-metadata.js';
import { ClientsService } from './clients.service.js';
import type { OAuthClientEntity } from './oauth.entities.js';
import { OnboardingCodesService } from './onboarding-codes/onboarding-codes.service.js';

function bearer(request: FastifyRequest, what: string): string {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  if (!match) {
    throw new OAuthError(401, 'invalid_token', `${what} is required as a Bearer token`, {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
  return match[1];
}

const REDEEM_FAILURES: Record<string, string> = {
  unknown: 'The onboarding code is not valid',
  used: 'The onboarding code was already used',
  expired: 'The onboarding code has expired',
  revoked: 'The onboarding code was revoked',
  'tenant-inactive': "The onboarding code's customer account is not active",
};

/** RFC 7591 dynamic registration gated by onboarding codes, and RFC 7592 client management. */
@ApiExcludeController()
@Public()
@Controller('oauth/register')
export class RegistrationController {
  constructor(
    private readonly clients: ClientsService,
    private readonly codes: OnboardingCodesService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @Header('cache-control', 'no-store')
  async register(@Req() request: FastifyRequest, @Body() body: unknown) {
    const decision = await this.limiter.hit(`register:ip:${request.ip}`, this.config.env.RIPTRUNK_OAUTH_RATE_LIMIT);
    if (!decision.allowed) {
      throw new OAuthError(429, 'slow_down', 'Too many registrations; retry later', {
        'retry-after': String(decision.retryAfterSeconds),
      });
    }
    const code = bearer(request, 'An onboarding code');
    const meta = validateClientMetadata(body, ENTERPRISE_SCOPES, this.config.env.RIPTRUNK_ALLOW_PRIVATE_TARGETS);
    const clientId = this.clients.newClientId();
    const redeemed = await this.codes.redeem(code, clientId);
    if (!redeemed.ok) {
      throw new OAuthError(
        401,
        'invalid_token',
        REDEEM_FAILURES[redeemed.reason] ?? 'The onboarding code is not valid',
        {
          'www-authenticate': 'Bearer error="invalid_token"',
        },
      );
    }
    const { client, credentials } = await this.clients.create(clientId, meta, {
      kind: 'enterprise',
      tenantId: redeemed.tenantId,
      onboardingCodeId: redeemed.codeId,
      createdBy: `onboarding-code:${redeemed.codeId}`,
    });
    return this.clients.registrationResponse(client, credentials);
  }

  @Get(':clientId')
  @Header('cache-control', 'no-store')
  async read(@Req() request: FastifyRequest, @Param('clientId') clientId: string) {
    return this.clients.registrationResponse(await this.managed(request, clientId));
  }

  @Put(':clientId')
  @Header('cache-control', 'no-store')
  async update(@Req() request: FastifyRequest, @Param('clientId') clientId: string, @Body() body: unknown) {
    const client = await this.managed(request, clientId);
    const b = (body ?? {}) as Record<string, unknown>;
    if (b.client_id !== client.id)
      throw new OAuthError(400, 'invalid_client_metadata', 'client_id must match the client being updated');
    for (const forbidden of [
      'registration_access_token',
      'registration_client_uri',
      'client_id_issued_at',
      'client_secret_expires_at',
    ]) {
      if (forbidden in b) throw new OAuthError(400, 'invalid_client_metadata', `${forbidden} must not be sent`);
    }
    const keepSecret =
      typeof b.client_secret === 'string' &&
      !!client.clientSecretHash &&
      secretMatches(b.client_secret, client.clientSecretHash);
    if (b.client_secret !== undefined && !keepSecret)
      throw new OAuthError(400, 'invalid_client_metadata', 'client_secret does not match');
    const meta = validateClientMetadata(
      { ...b, token_endpoint_auth_method: b.token_endpoint_auth_method ?? client.tokenEndpointAuthMethod },
      ENTERPRISE_SCOPES,
      this.config.env.RIPTRUNK_ALLOW_PRIVATE_TARGETS,
    );
    const credentials = await this.clients.update(client, meta, keepSecret);
    return this.clients.registrationResponse(client, credentials);
  }

  @Delete(':clientId')
  @HttpCode(204)
  async remove(@Req() request: FastifyRequest, @Param('clientId') clientId: string): Promise<void> {
    await this.clients.revoke(await this.managed(request, clientId), 'client.deregister');
  }

  /** The client named in the path, if the registration access token is its own (else 401, revealing nothing). */
  private async managed(request: FastifyRequest, clientId: string): Promise<OAuthClientEntity> {
    const token = bearer(request, 'The registration access token');
    const client = /^cli_[0-9a-z]{20}$/.test(clientId)
      ? await this.clients.find(clientId, { forUpdate: request.method !== 'GET' })
      : null;
    if (
      !client ||
      client.status !== 'active' ||
      !client.registrationTokenHash ||
      !secretMatches(token, client.registrationTokenHash)
    ) {
      throw new OAuthError(401, 'invalid_token', 'The registration access token is not valid for this client', {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    }
    return client;
  }
}
