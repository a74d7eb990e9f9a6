import { randomUUID, webcrypto } from 'node:crypto';
import { jest } from '@jest/globals';
import * as x509 from '@peculiar/x509';
import type { CryptoKey } from 'jose';
import * as client from 'openid-client';
import { DataSource } from 'typeorm';
import { internalToken } from '../../src/common/auth/operator-token.verifier.js';
import { providerSpcOf, signPassport, tnAuthListExtension, tnAuthListOf, verifyPassport } from '@riptrunk/ript';
import { EdgeRegistry } from '../../src/edge/config/edge-registry.js';
import { EdgeStirService } from '../../src/edge/stir/edge-stir.service.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { onboardWithOpenIdClient, tenantWithCode } from '../helpers/enterprise.js';
import type { TestClient } from '../helpers/http.js';

const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

async function csrPem(keys: webcrypto.CryptoKeyPair, number?: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: ['pbx.acme.example'] }],
    keys,
    signingAlgorithm: ES256,
    extensions: number ? [tnAuthListExtension([{ type: 'one', number: number.slice(1) }])] : [],
  });
  return csr.toString('pem');
}

const newKeys = async () =>
  (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;

describe('the edge as STIR authentication and verification service (profile §6)', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let stir: EdgeStirService;
  let caPem: string;
  let certsApi: TestClient;
  let trunkId: string;
  const closers: { close(): Promise<void> }[] = [];

  /** A verifier outside riptrunk: x5u fetched from the public URL, trusting the published STIR CA. */
  const fetchCertificate = async (x5u: string) => {
    expect(x5u.startsWith(`${cp.url}/ript/v1/certs/`)).toBe(true);
    const res = await cp.client().get(new URL(x5u).pathname);
    if (res.status !== 200) throw new Error(`x5u ${res.status}`);
    return res.text;
  };

  beforeAll(async () => {
    cp = await startControlPlane();
    edge = await startEdge(cp);
    stir = edge.app.get(EdgeStirService);
    caPem = (await cp.client().get('/ript/v1/stir/ca.pem')).text;
    const acme = await tenantWithCode(cp, 'Acme');
    await cp.admin.post(`/v1/tenants/${acme.tenantId}/number-ranges`, { start: '+14085550100', end: '+14085550199' });
    trunkId = (
      await cp.admin.post(`/v1/tenants/${acme.tenantId}/trunks`, {
        name: 'acme',
        maxConcurrentCalls: 5,
        maxCallsPerSecond: 1,
      })
    ).body.id;
    const { config, agent } = await onboardWithOpenIdClient(cp, acme.code);
    closers.push(agent);
    certsApi = cp.client((await client.clientCredentialsGrant(config, { scope: 'ript:certs' })).access_token);
  });
  afterAll(async () => {
    await Promise.all(closers.map((c) => c.close()));
    await edge?.close();
    await cp?.close();
  });

  it('obtains its SHAKEN certificate from the control plane at start', async () => {
    expect(stir.ready).toBe(true);
    expect(stir.caPem?.trim()).toBe(caPem.trim());
    expect(stir.x5u).toMatch(new RegExp(`^${cp.url}/ript/v1/certs/crt_[0-9a-z]{20}\\.pem$`));
    const chain = await cp.client().get(new URL(stir.x5u!).pathname);
    expect(chain.status).toBe(200);
    const leaf = new x509.X509Certificate(x509.PemConverter.decode(chain.text)[0]);
    expect(leaf.subject).toBe('CN=SHAKEN RIPT');
    expect(tnAuthListOf(leaf)).toEqual([{ type: 'spc', spc: 'RIPT' }]);
    expect(providerSpcOf(leaf)).toBe('RIPT');
    const days = (leaf.notAfter.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThanOrEqual(30);

    const id = new URL(stir.x5u!).pathname.split('/').pop()!.replace('.pem', '');
    const [row] = await cp.app
      .get(DataSource)
      .query('SELECT kind, tenant_id, trunk_id, number, edge_id FROM stir_certificates WHERE id = $1', [id]);
    expect(row).toEqual({
      kind: 'provider',
      tenant_id: null,
      trunk_id: null,
      number: null,
      edge_id: edge.app.get(EdgeRegistry).id,
    });
    const audit = await cp.admin.get(`/v1/audit-events?resourceId=${id}`);
    expect(audit.body.items).toEqual([
      expect.objectContaining({ action: 'stir-certificate.issue-provider', actor: 'edge', tenantId: null }),
    ]);
  });

  it('signs PASSporTs (attestation A) that any verifier trusting the STIR CA accepts', async () => {
    const origid = randomUUID();
    const token = await stir.signShaken('+14085550100', '+14155550123', origid);
    const result = await verifyPassport(token, { fetchCertificate, caPem, expectedDest: '+14155550123' });
    expect(result).toEqual({
      ok: true,
      orig: '+14085550100',
      dest: ['+14155550123'],
      attest: 'A',
      x5u: stir.x5u,
      origid,
      iat: expect.any(Number),
    });
    // On-net: the edge verifies what it signed.
    expect(await stir.verify(token, '+14155550123')).toMatchObject({ ok: true, attest: 'A' });
    expect(await stir.verify(token, '+14155550124')).toMatchObject({ ok: false, reason: 'dest-mismatch' });
  });

  it("accepts a PASSporT signed with an enterprise's own certificate, and only for its number", async () => {
    const keys = await newKeys();
    const issued = await certsApi.post(`/ript/v1/providertgs/${trunkId}/certs`, {
      csr: await csrPem(keys, '+14085550123'),
    });
    expect(issued.status).toBe(201);
    const sign = (orig: string, x5u = issued.body.x5u as string) =>
      signPassport(
        { orig, dest: ['+14155550123'], attest: 'A', origid: randomUUID() },
        keys.privateKey as CryptoKey,
        x5u,
      );
    const fetches = jest.spyOn(stir as unknown as { fetchPem(url: string): Promise<string> }, 'fetchPem');
    expect(await stir.verify(await sign('+14085550123'), '+14155550123')).toMatchObject({
      ok: true,
      orig: '+14085550123',
      x5u: issued.body.x5u,
    });
    expect(await stir.verify(await sign('+14085550124'), '+14155550123')).toMatchObject({
      ok: false,
      reason: 'certificate-number-not-covered',
    });
    // Cached by URL: a second verification needs no fetch, and still checks everything else.
    expect(await stir.verify(await sign('+14085550123'), '+14155550123')).toMatchObject({ ok: true });
    expect(fetches).toHaveBeenCalledTimes(1);
    expect(fetches.mock.calls[0][0]).toBe(`${cp.url}/ript/v1/certs/${issued.body.id}.pem`);
    fetches.mockRestore();
  });

  it('fetches x5u certificates from the control plane only (SSRF)', async () => {
    const keys = await newKeys();
    for (const x5u of [
      `https://127.0.0.1:1/ript/v1/certs/crt_00000000000000000000.pem`,
      `${cp.url}/internal/v1/edge-config`,
      `${cp.url}/ript/v1/certs/../../internal/v1/edge-config`,
      `${cp.url}/ript/v1/certs/crt_00000000000000000000.pem?x=1`,
    ]) {
      const token = await signPassport(
        { orig: '+14085550123', dest: ['+14155550123'], attest: 'A', origid: randomUUID() },
        keys.privateKey as CryptoKey,
        x5u,
      );
      expect(await stir.verify(token, '+14155550123')).toMatchObject({ ok: false, reason: 'x5u-not-allowed' });
    }
    const unknown = await signPassport(
      { orig: '+14085550123', dest: ['+14155550123'], attest: 'A', origid: randomUUID() },
      keys.privateKey as CryptoKey,
      `${cp.url}/ript/v1/certs/crt_00000000000000000000.pem`,
    );
    expect(await stir.verify(unknown, '+14155550123')).toMatchObject({ ok: false, reason: 'x5u-unavailable' });
  });

  it('issues edge certificates to the internal credential only, for any CSR key request', async () => {
    const path = '/internal/v1/stir/edge-certificate';
    const keys = await newKeys();
    const csr = await csrPem(keys, '+14085550100'); // the requested TNAuthList is ignored
    expect((await cp.client().post(path, { csr })).status).toBe(401);
    expect((await cp.admin.post(path, { csr })).status).toBe(403);
    expect((await certsApi.post(path, { csr })).status).toBe(403);
    const internal = cp.client(internalToken(cp.config));
    const issued = await internal.post(path, { csr, edgeId: 'edge-x' });
    expect(issued.status).toBe(201);
    expect(issued.headers['cache-control']).toBe('no-store');
    expect(issued.body).toMatchObject({ spc: 'RIPT', x5u: expect.stringContaining('/ript/v1/certs/crt_') });
    expect(tnAuthListOf(new x509.X509Certificate(issued.body.certificate))).toEqual([{ type: 'spc', spc: 'RIPT' }]);
    const bad = await internal.post(path, { csr: 'not a csr' });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('urn:riptrunk:problem:malformed-csr');
    expect((await internal.post(path, { csr, edgeId: 'no spaces' })).status).toBe(400);
  });
});
