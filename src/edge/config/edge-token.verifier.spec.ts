import { jest } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { VersionedControlEvent } from '../../contracts/control-events.js';
import type { AppConfig } from '../../common/config/app-config.js';
import { ACCESS_TOKEN_TYP } from '../../contracts/access-token.js';
import type { ControlPlaneClient } from './control-plane.client.js';
import type { EdgeConfigStore } from './edge-config.store.js';
import { EdgeTokenVerifier } from './edge-token.verifier.js';

const config = { publicUrl: 'https://api.carrier.example', edgePublicUrl: 'https://edge.carrier.example' };

async function signingKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

function accessToken(key: { privateKey: CryptoKey; jwk: JWK }, claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    jti: `at_${Math.random().toString(36).slice(2)}`,
    sub: 'cli_1',
    client_id: 'cli_1',
    tenant_id: 'ten_1',
    scope: 'ript:tgs trunk:read',
    iss: config.publicUrl,
    aud: config.edgePublicUrl,
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: ACCESS_TOKEN_TYP, kid: key.jwk.kid })
    .sign(key.privateKey);
}

async function setUp() {
  const key = await signingKey('k1');
  const published = { keys: [key.jwk] };
  const listeners: ((event: VersionedControlEvent) => void)[] = [];
  const revokedTokens = new Set<string>();
  const store = {
    onEvent: (l: (event: VersionedControlEvent) => void) => listeners.push(l),
    isTokenRevoked: (jti: string) => revokedTokens.has(jti),
    isClientRevoked: () => false,
    tenantStatus: () => 'active',
  };
  const client = { jwks: jest.fn(async () => published.keys) };
  const verifier = new EdgeTokenVerifier(
    client as unknown as ControlPlaneClient,
    store as unknown as EdgeConfigStore,
    config as AppConfig,
  );
  const signatureChecks = jest.spyOn(verifier as unknown as { verifySignature: () => unknown }, 'verifySignature');
  const keysChanged = async () => {
    for (const l of listeners) l({ type: 'signing-keys-changed', version: 1 } as VersionedControlEvent);
    await new Promise((r) => setTimeout(r, 10));
  };
  return { key, published, revokedTokens, verifier, signatureChecks, keysChanged };
}

describe('EdgeTokenVerifier', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('checks a signature once per token, and revocations on every request', async () => {
    const { key, verifier, signatureChecks, revokedTokens } = await setUp();
    const token = await accessToken(key);
    const first = await verifier.verify(token);
    expect(first).toEqual(
      expect.objectContaining({ kind: 'client', tenantId: 'ten_1', clientId: 'cli_1', actor: 'client:cli_1' }),
    );
    expect([...first!.scopes]).toEqual(['ript:tgs', 'trunk:read']);
    const second = await verifier.verify(token);
    expect(second).toEqual(first);
    expect(second!.scopes).not.toBe(first!.scopes);
    expect(signatureChecks).toHaveBeenCalledTimes(1);
    revokedTokens.add(first!.tokenId!);
    expect(await verifier.verify(token)).toBeNull();
  });

  it('stops accepting a cached token when it expires', async () => {
    const { key, verifier } = await setUp();
    const now = Math.floor(Date.now() / 1000);
    const token = await accessToken(key, { exp: now + 2 });
    expect(await verifier.verify(token)).not.toBeNull();
    // Only the clock is faked (jose reads new Date()); timers and promises run as usual.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'setTimeout', 'setInterval'] });
    jest.setSystemTime((now + 2) * 1000);
    expect(await verifier.verify(token)).toBeNull();
  });

  it('refuses a bad token without caching it', async () => {
    const { key, verifier, signatureChecks } = await setUp();
    const token = await accessToken(key, { aud: 'https://elsewhere.example' });
    expect(await verifier.verify(token)).toBeNull();
    expect(await verifier.verify(token)).toBeNull();
    expect(signatureChecks).toHaveBeenCalledTimes(2);
    expect(await verifier.verify('not-a-jwt')).toBeNull();
  });

  it('checks again after the signing keys changed, refusing tokens of a withdrawn key', async () => {
    const { key, published, verifier, signatureChecks, keysChanged } = await setUp();
    const token = await accessToken(key);
    expect(await verifier.verify(token)).not.toBeNull();
    published.keys = [(await signingKey('k2')).jwk];
    await keysChanged();
    expect(await verifier.verify(token)).toBeNull();
    expect(signatureChecks).toHaveBeenCalledTimes(2);
  });
});
