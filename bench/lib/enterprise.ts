import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { request } from 'undici';
import type { BenchControlPlane } from './control-plane.js';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An enterprise client registered with private_key_jwt, and the ES256 key it signs assertions with. */
export interface BenchClient {
  id: string;
  kid: string;
  privateKey: CryptoKey;
}

/** POST of JSON to the admin API; the JSON answer of a 201. */
export async function adminPost(cp: BenchControlPlane, path: string, body: unknown): Promise<Record<string, string>> {
  const res = await request(`${cp.url}${path}`, {
    method: 'POST',
    dispatcher: cp.agent,
    headers: { authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`POST ${path} answered ${res.statusCode} ${text}`);
  return JSON.parse(text) as Record<string, string>;
}

/** An onboarding code for the tenant, a fresh ES256 key, and RFC 7591 registration with the code. */
export async function registerClient(cp: BenchControlPlane, tenantId: string, name: string): Promise<BenchClient> {
  const { code } = await adminPost(cp, `/v1/tenants/${tenantId}/onboarding-codes`, {});
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = `${name.replace(/[^A-Za-z0-9]+/g, '-')}-key`;
  const res = await request(`${cp.url}/oauth/register`, {
    method: 'POST',
    dispatcher: cp.agent,
    headers: { authorization: `Bearer ${code}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
      grant_types: ['client_credentials'],
      client_name: name,
    }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`registration answered ${res.statusCode} ${text}`);
  return { id: (JSON.parse(text) as { client_id: string }).client_id, kid, privateKey };
}

/** A fresh RFC 7523 assertion: unique jti, iss = sub = client_id, aud = the issuer, exp = now + lifetime. */
export function signAssertion(client: BenchClient, audience: string, lifetimeSeconds = 60): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    jti: randomUUID(),
    iss: client.id,
    sub: client.id,
    aud: audience,
    iat: now,
    exp: now + lifetimeSeconds,
  })
    .setProtectedHeader({ alg: 'ES256', kid: client.kid })
    .sign(client.privateKey);
}

/** The form of a client_credentials request authenticated with an assertion, optionally for one resource (RFC 8707). */
export function tokenForm(assertion: string, resource?: string): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
    ...(resource ? { resource } : {}),
  }).toString();
}

export function postToken(cp: BenchControlPlane, form: string) {
  return request(`${cp.url}/oauth/token`, {
    method: 'POST',
    dispatcher: cp.agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
}

/** An access token for the client, bound to `resource` (the control plane's or the edge pool's URL). */
export async function accessToken(cp: BenchControlPlane, client: BenchClient, resource: string): Promise<string> {
  const res = await postToken(cp, tokenForm(await signAssertion(client, cp.url), resource));
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`token for ${resource} answered ${res.statusCode} ${text}`);
  return (JSON.parse(text) as { access_token: string }).access_token;
}
