import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as client from 'openid-client';
import { DataSource } from 'typeorm';
import { tnAuthListExtension, tnAuthListOf, verifyStirCertificate } from '@riptrunk/ript';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { onboardWithOpenIdClient, tenantWithCode } from '../helpers/enterprise.js';
import type { TestClient } from '../helpers/http.js';

const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

type KeyAlgorithm = 'P-256' | 'P-384' | 'RSA';

async function keysFor(algorithm: KeyAlgorithm): Promise<webcrypto.CryptoKeyPair> {
  const params =
    algorithm === 'RSA'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 }
      : { name: 'ECDSA', namedCurve: algorithm };
  return (await webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** A CSR as an enterprise would make it: a TNAuthList extension request for the number, or a subject CN only. */
async function csrFor(
  options: { number?: string; cn?: string; algorithm?: KeyAlgorithm; keys?: webcrypto.CryptoKeyPair } = {},
): Promise<{ pem: string; csr: x509.Pkcs10CertificateRequest; keys: webcrypto.CryptoKeyPair }> {
  const algorithm = options.algorithm ?? 'P-256';
  const keys = options.keys ?? (await keysFor(algorithm));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [options.cn ?? 'pbx.acme.example'] }],
    keys,
    signingAlgorithm:
      algorithm === 'RSA'
        ? { name: 'RSASSA-PKCS1-v1_5' }
        : { ...ES256, hash: algorithm === 'P-384' ? 'SHA-384' : 'SHA-256' },
    extensions: options.number ? [tnAuthListExtension([{ type: 'one', number: options.number.slice(1) }])] : [],
  });
  return { pem: csr.toString('pem'), csr, keys };
}

describe('STIR certificates (profile §4 "Certificates")', () => {
  let cp: TestControlPlane;
  let api: TestClient;
  let tenantId: string;
  let trunkId: string;
  let otherTrunkId: string;
  let certs: string;
  let tgsOnly: TestClient;
  const closers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    cp = await startControlPlane();
    const acme = await tenantWithCode(cp, 'Acme');
    tenantId = acme.tenantId;
    const range = await cp.admin.post(`/v1/tenants/${tenantId}/number-ranges`, {
      start: '+14085550100',
      end: '+14085550199',
    });
    expect(range.status).toBe(201);
    const trunk = await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
      name: 'acme-primary',
      maxConcurrentCalls: 10,
      maxCallsPerSecond: 2,
    });
    expect(trunk.status).toBe(201);
    trunkId = trunk.body.id;
    certs = `/ript/v1/providertgs/${trunkId}/certs`;

    const globex = await tenantWithCode(cp, 'Globex');
    await cp.admin.post(`/v1/tenants/${globex.tenantId}/number-ranges`, { start: '+14085550200', count: 100 });
    const otherTrunk = await cp.admin.post(`/v1/tenants/${globex.tenantId}/trunks`, {
      name: 'globex-primary',
      maxConcurrentCalls: 10,
      maxCallsPerSecond: 2,
    });
    otherTrunkId = otherTrunk.body.id;

    const { config, agent } = await onboardWithOpenIdClient(cp, acme.code);
    closers.push(agent);
    api = cp.client((await client.clientCredentialsGrant(config, { scope: 'ript:certs' })).access_token);
    tgsOnly = cp.client((await client.clientCredentialsGrant(config, { scope: 'ript:tgs trunk:read' })).access_token);
  });
  afterAll(async () => {
    await Promise.all(closers.map((c) => c.close()));
    await cp?.close();
  });

  it('issues a certificate whose TNAuthList names the number and that chains to the STIR CA', async () => {
    const { pem, keys } = await csrFor({ number: '+14085550123' });
    const res = await api.post(certs, { csr: pem });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^crt_[0-9a-z]{20}$/),
      number: '+14085550123',
      certificate: expect.stringContaining('-----BEGIN CERTIFICATE-----'),
      x5u: `${cp.url}/ript/v1/certs/${res.body.id}.pem`,
      serial: expect.stringMatching(/^[0-9a-f]{32}$/),
      notBefore: expect.any(String),
      notAfter: expect.any(String),
    });
    expect(res.headers.location).toBe(res.body.x5u);

    const cert = new x509.X509Certificate(res.body.certificate);
    expect(tnAuthListOf(cert)).toEqual([{ type: 'one', number: '14085550123' }]);
    expect(cert.subjectName.getField('CN')).toEqual(['+14085550123']);
    expect(cert.serialNumber).toBe(res.body.serial);
    expect(cert.notAfter.toISOString()).toBe(res.body.notAfter);
    const days = (cert.notAfter.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThanOrEqual(365);
    // The certificate is for the CSR's key.
    const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
    expect(Buffer.from(cert.publicKey.rawData).equals(spki)).toBe(true);

    const ca = await cp.client().get('/ript/v1/stir/ca.pem');
    expect(ca.status).toBe(200);
    expect(ca.headers['content-type']).toBe('application/x-pem-file');
    expect(ca.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    expect(new x509.X509Certificate(ca.text).subject).toBe('CN=riptrunk STIR CA');
    expect(await verifyStirCertificate(res.body.certificate, ca.text, '+14085550123')).toMatchObject({ valid: true });
    expect(await verifyStirCertificate(res.body.certificate, ca.text, '+14085550124')).toMatchObject({
      valid: false,
      reason: 'number-not-covered',
    });

    const audit = await cp.admin.get(`/v1/audit-events?resourceId=${res.body.id}`);
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        action: 'stir-certificate.issue',
        resourceType: 'stir-certificate',
        tenantId,
        actor: expect.stringMatching(/^client:/),
        after: expect.objectContaining({ number: '+14085550123', trunkId, serial: res.body.serial }),
      }),
    ]);
    const [row] = await cp.app
      .get(DataSource)
      .query('SELECT tenant_id, trunk_id, number, serial FROM stir_certificates WHERE id = $1', [res.body.id]);
    expect(row).toEqual({ tenant_id: tenantId, trunk_id: trunkId, number: '+14085550123', serial: res.body.serial });
  });

  it('serves the certificate, then the CA, publicly at its x5u URL', async () => {
    const { pem } = await csrFor({ number: '+14085550130' });
    const issued = await api.post(certs, { csr: pem });
    expect(issued.status).toBe(201);
    const anonymous = cp.client();
    const res = await anonymous.get(new URL(issued.body.x5u).pathname);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-pem-file');
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    const chain = x509.PemConverter.decode(res.text).map((der) => new x509.X509Certificate(der));
    expect(chain).toHaveLength(2);
    expect(chain[0].toString('pem')).toBe(new x509.X509Certificate(issued.body.certificate).toString('pem'));
    const ca = await anonymous.get('/ript/v1/stir/ca.pem');
    expect(chain[1].toString('pem')).toBe(new x509.X509Certificate(ca.text).toString('pem'));
    // What a verifier does with a PASSporT's x5u.
    expect(await verifyStirCertificate(res.text, ca.text, '+14085550130')).toMatchObject({ valid: true });

    for (const path of ['/ript/v1/certs/crt_00000000000000000000.pem', `/ript/v1/certs/${issued.body.id}`]) {
      const missing = await anonymous.get(path);
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('takes the number from the subject CN or a "number" field when the CSR has no TNAuthList', async () => {
    const byCn = await api.post(certs, { csr: (await csrFor({ cn: '+14085550140' })).pem });
    expect(byCn.status).toBe(201);
    expect(byCn.body.number).toBe('+14085550140');
    expect(tnAuthListOf(new x509.X509Certificate(byCn.body.certificate))).toEqual([
      { type: 'one', number: '14085550140' },
    ]);

    const byField = await api.post(certs, { csr: (await csrFor()).pem, number: '+1 408 555 0141' });
    expect(byField.status).toBe(201);
    expect(byField.body.number).toBe('+14085550141');

    const none = await api.post(certs, { csr: (await csrFor()).pem });
    expect(none.status).toBe(400);
    expect(none.body.type).toBe('urn:riptrunk:problem:number-required');

    const mismatch = await api.post(certs, {
      csr: (await csrFor({ number: '+14085550142' })).pem,
      number: '+14085550143',
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.detail).toContain('+14085550142');
  });

  it('accepts the CSR as an application/pkcs10 body, PEM or DER', async () => {
    const { pem, csr } = await csrFor({ number: '+14085550150' });
    const asPem = await api.req('POST', certs, { rawBody: pem, headers: { 'content-type': 'application/pkcs10' } });
    expect(asPem.status).toBe(201);
    expect(asPem.body.number).toBe('+14085550150');
    const asDer = await api.req('POST', certs, {
      rawBody: Buffer.from(csr.rawData),
      headers: { 'content-type': 'application/pkcs10' },
    });
    expect(asDer.status).toBe(201);
    expect(asDer.body.number).toBe('+14085550150');
    // Only this route takes it.
    const elsewhere = await cp.admin.req('POST', '/v1/tenants', {
      rawBody: pem,
      headers: { 'content-type': 'application/pkcs10' },
    });
    expect(elsewhere.status).toBe(415);
  });

  it("refuses a number outside the tenant's number ranges with 403 naming it", async () => {
    const res = await api.post(certs, { csr: (await csrFor({ number: '+14085550250' })).pem });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ type: 'urn:riptrunk:problem:number-not-allowed', number: '+14085550250' });
    expect(res.body.detail).toContain('+14085550250');
  });

  it('refuses a malformed CSR with 400', async () => {
    for (const csr of [
      'not a csr',
      '-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n',
      '-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----\n',
      (await csrFor({ number: '+14085550160' })).pem.replace('CERTIFICATE REQUEST', 'CERTIFICATE'),
    ]) {
      const res = await api.post(certs, { csr });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:riptrunk:problem:malformed-csr');
    }
    const missing = await api.post(certs, {});
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: '#/csr' })]));
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const { csr } = await csrFor({ number: '+14085550161' });
    const der = Buffer.from(csr.rawData);
    der[der.length - 3] ^= 0x01; // inside the signature value
    const res = await api.post(certs, { csr: x509.PemConverter.encode(der, 'CERTIFICATE REQUEST') });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('urn:riptrunk:problem:invalid-csr-signature');
  });

  it('refuses RSA keys and other curves with 400', async () => {
    const rsa = await api.post(certs, { csr: (await csrFor({ number: '+14085550170', algorithm: 'RSA' })).pem });
    expect(rsa.status).toBe(400);
    expect(rsa.body.type).toBe('urn:riptrunk:problem:unsupported-csr-key');
    expect(rsa.body.detail).toMatch(/RSA key \(2048 bits\).*EC P-256/);
    const p384 = await api.post(certs, { csr: (await csrFor({ number: '+14085550171', algorithm: 'P-384' })).pem });
    expect(p384.status).toBe(400);
    expect(p384.body.detail).toMatch(/P-384.*EC P-256/);
  });

  it('needs the ript:certs scope', async () => {
    const { pem } = await csrFor({ number: '+14085550180' });
    const res = await tgsOnly.post(certs, { csr: pem });
    expect(res.status).toBe(403);
    expect(res.body.type).toBe('urn:riptrunk:problem:insufficient-scope');
    expect((await cp.client().post(certs, { csr: pem })).status).toBe(401);
    // The operator token is not an enterprise token.
    expect((await cp.admin.post(certs, { csr: pem })).status).toBe(403);
  });

  it("answers 404 for another tenant's TG and unknown TGs", async () => {
    const { pem } = await csrFor({ number: '+14085550181' });
    for (const tg of [otherTrunkId, 'trk_00000000000000000000', 'nonsense']) {
      const res = await api.post(`/ript/v1/providertgs/${tg}/certs`, { csr: pem });
      expect(res.status).toBe(404);
    }
  });

  it('answers a retried request with the same certificate (Idempotency-Key)', async () => {
    const { pem } = await csrFor({ number: '+14085550190' });
    const headers = { 'idempotency-key': 'stir-cert-retry-1' };
    const first = await api.post(certs, { csr: pem }, { headers });
    const again = await api.post(certs, { csr: pem }, { headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.location).toBe(first.headers.location);
  });
});
