import * as client from 'openid-client';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import type { EnterpriseProfile } from '@riptrunk/sdk';
import { RiptTrunkClient, type TgDescriptionDoc } from '@riptrunk/sdk';
import type { TestControlPlane } from './control-plane.js';
import { eventually } from './wait.js';

/** The CA of the test data dir, created by the first control plane a test starts. */
export const TEST_CA_FILE = '.data/test/ca.pem';

export interface EnterpriseKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function newEnterpriseKey(kid = `k${Date.now()}`): Promise<EnterpriseKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** openid-client options that trust the test CA over HTTP/2, as an enterprise client configured with --cacert would. */
export function trustingFetch(ca: string): { [client.customFetch]: client.CustomFetch; agent: Agent } {
  const agent = new Agent({ allowH2: true, connect: { ca } });
  const fetchWithCa: client.CustomFetch = (url, options) =>
    undiciFetch(url, { ...options, dispatcher: agent } as never) as unknown as ReturnType<client.CustomFetch>;
  return { [client.customFetch]: fetchWithCa, agent };
}

/** Creates a tenant and an onboarding code for it with the admin API. */
export async function tenantWithCode(cp: TestControlPlane, name: string): Promise<{ tenantId: string; code: string }> {
  const tenant = await cp.admin.post('/v1/tenants', { name });
  if (tenant.status !== 201) throw new Error(`tenant: ${tenant.status} ${tenant.text}`);
  const code = await cp.admin.post(`/v1/tenants/${tenant.body.id}/onboarding-codes`, {});
  if (code.status !== 201) throw new Error(`code: ${code.status} ${code.text}`);
  return { tenantId: tenant.body.id, code: code.body.code };
}

/** Discovery, dynamic registration with the code, and a private_key_jwt configuration, all through openid-client. */
export async function onboardWithOpenIdClient(cp: TestControlPlane, code: string, scope?: string) {
  const key = await newEnterpriseKey();
  const fetchOptions = trustingFetch(cp.ca);
  const config = await client.dynamicClientRegistration(
    new URL(cp.url),
    {
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
      grant_types: ['client_credentials'],
      client_name: 'test pbx',
      ...(scope ? { scope } : {}),
    },
    client.PrivateKeyJwt(key.privateKey, {
      [client.modifyAssertion]: (header) => void (header.kid = key.publicJwk.kid),
    }),
    { algorithm: 'oauth2', initialAccessToken: code, [client.customFetch]: fetchOptions[client.customFetch] },
  );
  return { config, key, agent: fetchOptions.agent };
}

/**
 * What most SDK tests start from: a tenant with one number range and one trunk, onboarded with the SDK (trusting the
 * test CA), and the TG description once the edge serves it.
 */
export async function sdkEnterprise(
  cp: TestControlPlane,
  name: string,
  numbers: { start: string; count: number },
  trunk: Record<string, unknown>,
): Promise<{ tenantId: string; profile: EnterpriseProfile; client: RiptTrunkClient; tg: TgDescriptionDoc }> {
  const { tenantId, code } = await tenantWithCode(cp, name);
  await cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, numbers);
  await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, trunk);
  const profile = await RiptTrunkClient.onboard(cp.url, code, { caFile: TEST_CA_FILE });
  const client = await RiptTrunkClient.fromProfile(profile);
  const [listed] = await client.providerTgs();
  const tg = await eventually(
    () => client.tgDescription(listed.uri).catch(() => undefined as unknown as TgDescriptionDoc),
    (d) => !!d,
  );
  return { tenantId, profile, client, tg };
}
