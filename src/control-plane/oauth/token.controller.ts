import { Body, Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Scope } from '../../common/auth/principal.js';
import { Public } from '../../common/auth/public.decorator.js';
import { AppConfig } from '../../common/config/app-config.js';
import { WithoutTransaction } from '../../common/http/mutation.interceptor.js';
import { OAuthError } from '../../common/http/oauth-error.js';
import { RateLimiter } from '../../common/http/rate-limiter.js';
import { AccessTokensService, type AccessTokenClaims } from './access-tokens.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { ClientAuthService } from './client-auth.service.js';
import { ClientsService } from './clients.service.js';
import type { OAuthClientEntity } from './oauth.entities.js';
import { SigningKeysService } from './signing-keys.service.js';

type Form = Record<string, string>;

/** Form fields as single strings; a repeated field other than `resource` is an invalid_request (RFC 6749 §3.2). */
function readForm(request: FastifyRequest, body: unknown): { form: Form; resources: string[] } {
  const type = String(request.headers['content-type'] ?? '');
  if (!type.startsWith('application/x-www-form-urlencoded') || !body || typeof body !== 'object') {
    throw new OAuthError(400, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded');
  }
  const form: Form = {};
  let resources: string[] = [];
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (name === 'resource') {
      resources = (Array.isArray(value) ? value : [value]).map(String);
      continue;
    }
    if (Array.isArray(value)) throw new OAuthError(400, 'invalid_request', `Parameter ${name} is repeated`);
    form[name] = String(value);
  }
  return { form, resources };
}

@ApiTags('oauth')
@Public()
@WithoutTransaction()
@Controller('oauth')
export class TokenController {
  constructor(
    private readonly clientAuth: ClientAuthService,
    private readonly tokens: AccessTokensService,
    private readonly keys: SigningKeysService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly tenants: TenantsService,
  ) {}

  private slowDown(retryAfterSeconds: number): OAuthError {
    return new OAuthError(429, 'slow_down', 'Too many requests; retry later', {
      'retry-after': String(retryAfterSeconds),
    });
  }

  /**
   * Every request counts against its source address; failed authentications also count against the pair of the
   * claimed client and the address. A client id is public, so counting every request that names it would let anyone
   * lock the real client out; counting failures per address keeps a stranger's guesses to the stranger.
   */
  private async authenticated(endpoint: string, request: FastifyRequest, form: Form): Promise<OAuthClientEntity> {
    const limit = this.config.env.RIPTRUNK_OAUTH_RATE_LIMIT;
    const perAddress = await this.limiter.hit(`${endpoint}:ip:${request.ip}`, limit);
    if (!perAddress.allowed) throw this.slowDown(perAddress.retryAfterSeconds);
    const claimed = this.clientAuth.claimedClientId(request.headers.authorization, form);
    const failures = `${endpoint}:fail:${(claimed ?? '').slice(0, 64)}:${request.ip}`;
    const before = await this.limiter.check(failures, limit);
    if (!before.allowed) throw this.slowDown(before.retryAfterSeconds);
    try {
      const client = await this.clientAuth.authenticate(request.headers.authorization, form);
      if (client.tenantId) {
        const status = await this.tenants.statusOf(client.tenantId);
        if (status !== 'active')
          throw new OAuthError(401, 'invalid_client', `The client's tenant is ${status ?? 'gone'}`);
      }
      return client;
    } catch (err) {
      if (err instanceof OAuthError && err.status === 401) await this.limiter.hit(failures, limit);
      throw err;
    }
  }

  @Post('token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiExcludeEndpoint()
  async token(@Req() request: FastifyRequest, @Body() body: unknown) {
    const { form, resources } = readForm(request, body);
    const client = await this.authenticated('token', request, form);
    if (form.grant_type !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', 'Only the client_credentials grant is supported');
    }
    let scopes: Scope[] = client.scopes;
    if (form.scope !== undefined) {
      const requested = [...new Set(form.scope.split(' ').filter(Boolean))];
      const refused = requested.filter((s) => !(client.scopes as string[]).includes(s));
      if (!requested.length || refused.length) {
        throw new OAuthError(
          400,
          'invalid_scope',
          `Scopes not granted to this client: ${refused.join(' ') || '(empty)'}`,
        );
      }
      scopes = requested as Scope[];
    }
    const known = this.tokens.audiences;
    const normalised = resources.map((r) => r.replace(/\/+$/, ''));
    const unknown = normalised.filter((r) => !known.includes(r));
    if (unknown.length) {
      throw new OAuthError(
        400,
        'invalid_target',
        `Unknown resource ${unknown.join(', ')}; use one of ${known.join(', ')}`,
      );
    }
    const audience = normalised.length ? [...new Set(normalised)] : known;
    const { token, expiresIn } = await this.tokens.issue(client, scopes, audience);
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') };
  }

  /** RFC 7009: always 200; a client can revoke only its own tokens. */
  @Post('revoke')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiExcludeEndpoint()
  async revoke(@Req() request: FastifyRequest, @Body() body: unknown): Promise<Record<string, never>> {
    const { form } = readForm(request, body);
    const client = await this.authenticated('revoke', request, form);
    if (!form.token) throw new OAuthError(400, 'invalid_request', 'token is required');
    const claims = await this.tokens.verify(form.token, { ignoreExpiry: true }).catch(() => undefined);
    if (claims && claims.client_id === client.id) await this.tokens.revoke(claims);
    return {};
  }

  /** RFC 7662: active only for a live token of the calling client, or of any client when asked by an admin client. */
  @Post('introspect')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiExcludeEndpoint()
  async introspect(@Req() request: FastifyRequest, @Body() body: unknown) {
    const { form } = readForm(request, body);
    const client = await this.authenticated('introspect', request, form);
    if (!form.token) throw new OAuthError(400, 'invalid_request', 'token is required');
    const claims: AccessTokenClaims | undefined = await this.tokens.verify(form.token).catch(() => undefined);
    const mayInspect = claims && (claims.client_id === client.id || client.scopes.includes('admin'));
    if (
      !claims ||
      !mayInspect ||
      (await this.tokens.isRevoked(claims.jti)) ||
      !(await this.clients.isActive(claims.client_id))
    ) {
      return { active: false };
    }
    return { active: true, token_type: 'Bearer', ...claims };
  }

  @Get('jwks')
  @Header('cache-control', 'public, max-age=60')
  @ApiExcludeEndpoint()
  async jwks() {
    return { keys: await this.keys.publishedKeys() };
  }
}
