import type { JWK } from 'jose';
import type { Scope } from '../../common/auth/principal.js';
import { OAuthError } from '../../common/http/oauth-error.js';
import { checkTargetUrl, OutboundTargetError } from '../../common/http/outbound.js';
import type { AuthMethod } from './oauth.entities.js';

export const ENTERPRISE_SCOPES: readonly Scope[] = ['ript:tgs', 'ript:calls', 'ript:certs', 'trunk:read'];
export const AUTH_METHODS: readonly AuthMethod[] = ['private_key_jwt', 'client_secret_basic'];
const MAX_KEYS = 5;

export interface ClientMetadata {
  tokenEndpointAuthMethod: AuthMethod;
  jwks: { keys: JWK[] } | null;
  jwksUri: string | null;
  scopes: Scope[];
  clientName: string | null;
  /** Other registered metadata echoed back (software_id, software_version, contacts). */
  extra: Record<string, unknown>;
}

function invalid(description: string): OAuthError {
  return new OAuthError(400, 'invalid_client_metadata', description);
}

function optionalString(body: Record<string, unknown>, name: string, max: number): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max || /\p{Cc}/u.test(value)) {
    throw invalid(`${name} must be a string of 1-${max} characters`);
  }
  return value;
}

function validateJwks(value: unknown): { keys: JWK[] } {
  const keys = (value as { keys?: unknown })?.keys;
  if (!value || typeof value !== 'object' || !Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS) {
    throw invalid(`jwks must be {"keys": [...]} with 1-${MAX_KEYS} keys`);
  }
  return {
    keys: keys.map((k: Record<string, unknown>, i) => {
      if (!k || typeof k !== 'object') throw invalid(`jwks.keys[${i}] is not an object`);
      if (k.kty !== 'EC' || k.crv !== 'P-256' || typeof k.x !== 'string' || typeof k.y !== 'string') {
        throw invalid(`jwks.keys[${i}] must be an EC P-256 public key (ES256)`);
      }
      if ('d' in k) throw invalid(`jwks.keys[${i}] contains a private key; register only public keys`);
      if (k.alg !== undefined && k.alg !== 'ES256') throw invalid(`jwks.keys[${i}].alg must be ES256`);
      if (k.use !== undefined && k.use !== 'sig') throw invalid(`jwks.keys[${i}].use must be sig`);
      const { kty, crv, x, y, kid, alg, use } = k as Record<string, string>;
      return { kty, crv, x, y, ...(kid ? { kid } : {}), ...(alg ? { alg } : {}), ...(use ? { use } : {}) };
    }),
  };
}

/** RFC 7591 §2 metadata, restricted to what a RIPT trunk client may register. Unknown members are ignored. */
export function validateClientMetadata(
  body: unknown,
  allowedScopes: readonly Scope[] = ENTERPRISE_SCOPES,
  allowPrivateTargets = false,
): ClientMetadata {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const method = (b.token_endpoint_auth_method ?? 'client_secret_basic') as AuthMethod;
  if (!AUTH_METHODS.includes(method)) {
    throw invalid(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }
  if (b.grant_types !== undefined) {
    if (
      !Array.isArray(b.grant_types) ||
      b.grant_types.some((g) => g !== 'client_credentials') ||
      !b.grant_types.length
    ) {
      throw invalid('grant_types may only be ["client_credentials"]');
    }
  }
  if (b.response_types !== undefined && !(Array.isArray(b.response_types) && b.response_types.length === 0)) {
    throw invalid('response_types must be empty: only the client_credentials grant is offered');
  }
  if (b.redirect_uris !== undefined && !(Array.isArray(b.redirect_uris) && b.redirect_uris.length === 0)) {
    throw new OAuthError(400, 'invalid_redirect_uri', 'redirect_uris are not used: only client_credentials is offered');
  }
  if (b.jwks !== undefined && b.jwks_uri !== undefined) throw invalid('Give jwks or jwks_uri, not both');
  if (b.token_endpoint_auth_signing_alg !== undefined && b.token_endpoint_auth_signing_alg !== 'ES256') {
    throw invalid('token_endpoint_auth_signing_alg must be ES256');
  }
  const jwks = b.jwks !== undefined ? validateJwks(b.jwks) : null;
  let jwksUri: string | null = null;
  if (b.jwks_uri !== undefined) {
    if (typeof b.jwks_uri !== 'string' || b.jwks_uri.length > 2000) {
      throw invalid('jwks_uri must be an absolute https URL of at most 2000 characters');
    }
    try {
      // The one SSRF guard: https only, no credentials or fragment, no private IP literal or localhost.
      jwksUri = checkTargetUrl(b.jwks_uri, allowPrivateTargets).toString();
    } catch (err) {
      if (!(err instanceof OutboundTargetError)) throw err;
      throw invalid(`jwks_uri ${err.message}`);
    }
  }
  if (method === 'private_key_jwt' && !jwks && !jwksUri) throw invalid('private_key_jwt needs jwks or jwks_uri');
  if (method === 'client_secret_basic' && (jwks || jwksUri)) {
    throw invalid('jwks and jwks_uri are only used with private_key_jwt');
  }
  let scopes: Scope[] = [...allowedScopes];
  if (b.scope !== undefined) {
    if (typeof b.scope !== 'string') throw invalid('scope must be a space-separated string');
    const requested = b.scope.split(' ').filter(Boolean);
    const unknown = requested.filter((s) => !(allowedScopes as readonly string[]).includes(s));
    if (unknown.length || !requested.length) {
      throw invalid(
        `scope may contain only ${allowedScopes.join(' ')}${unknown.length ? ` (not ${unknown.join(' ')})` : ''}`,
      );
    }
    scopes = [...new Set(requested)] as Scope[];
  }
  const extra: Record<string, unknown> = {};
  for (const name of ['software_id', 'software_version', 'client_uri'] as const) {
    const value = optionalString(b, name, 200);
    if (value !== undefined) extra[name] = value;
  }
  if (b.contacts !== undefined) {
    if (
      !Array.isArray(b.contacts) ||
      b.contacts.length > 10 ||
      b.contacts.some((c) => typeof c !== 'string' || c.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(c))
    ) {
      throw invalid('contacts must be a list of at most 10 e-mail addresses');
    }
    extra.contacts = b.contacts;
  }
  return {
    tokenEndpointAuthMethod: method,
    jwks,
    jwksUri,
    scopes,
    clientName: optionalString(b, 'client_name', 200) ?? null,
    extra,
  };
}
