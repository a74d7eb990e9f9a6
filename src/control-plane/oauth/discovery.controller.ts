import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../common/auth/public.decorator.js';
import { ALL_SCOPES } from '../../common/auth/principal.js';
import { AppConfig } from '../../common/config/app-config.js';

/** RIPT discovery (profile §3) and RFC 8414 authorization server metadata. */
@ApiExcludeController()
@Public()
@Controller('.well-known')
export class DiscoveryController {
  constructor(private readonly config: AppConfig) {}

  @Get('ript')
  @Header('cache-control', 'public, max-age=300')
  ript() {
    const base = this.config.publicUrl;
    return {
      version: 'v1',
      providertgs: `${base}/.well-known/ript/v1/providertgs`,
      oauth: `${base}/.well-known/ript-oauth`,
    };
  }

  @Get('ript-oauth')
  @Header('cache-control', 'public, max-age=300')
  riptOauth() {
    return this.metadata();
  }

  @Get('oauth-authorization-server')
  @Header('cache-control', 'public, max-age=300')
  authorizationServer() {
    return this.metadata();
  }

  private metadata() {
    const base = this.config.publicUrl;
    return {
      issuer: base,
      token_endpoint: `${base}/oauth/token`,
      jwks_uri: `${base}/oauth/jwks`,
      registration_endpoint: `${base}/oauth/register`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      grant_types_supported: ['client_credentials'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
      token_endpoint_auth_signing_alg_values_supported: ['ES256'],
      revocation_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
      introspection_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
      scopes_supported: ALL_SCOPES,
      resource_indicators_supported: true,
      authorization_response_iss_parameter_supported: false,
    };
  }
}
