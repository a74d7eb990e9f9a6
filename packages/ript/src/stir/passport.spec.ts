import { jest } from '@jest/globals';
import { CompactSign, type CryptoKey } from 'jose';
import { createCa, generateEcKeys, issueCertificate } from './pki.js';
import { issueProviderStirCertificate, issueStirCertificate, type StirCa } from './stir-ca.js';
import { tnAuthListExtension } from './tnauthlist.js';
import { isX5uUnder, restrictX5u, signPassport, verifyPassport, X5uRefusedError } from './passport.js';

const REPO = 'https://cp.example/ript/v1/certs/';
const ORIG = '+14085550100';
const DEST = '+14155550123';
const ORIGID = '123e4567-e89b-42d3-a456-426614174000';

async function stirCa(name = 'riptrunk STIR CA'): Promise<StirCa> {
  const ca = await createCa(name);
  return { cert: ca.cert, privateKey: ca.keys.privateKey, certPem: ca.certPem };
}

interface Signer {
  key: CryptoKey;
  x5u: string;
  pem: string;
}

describe('SHAKEN PASSporTs (RFC 8225, RFC 8588)', () => {
  let ca: StirCa;
  let otherCa: StirCa;
  let tenant: Signer; // certificate for +14085550100
  let provider: Signer; // the carrier's SPC certificate
  let untrusted: Signer; // +14085550100, from another CA
  const certificates = new Map<string, string>();
  const fetchCertificate = jest.fn(async (x5u: string) => {
    const pem = certificates.get(x5u);
    if (!pem) throw new Error('404');
    return pem;
  });
  const now = () => Math.floor(Date.now() / 1000);

  async function signer(issuer: StirCa, name: string, issue: (key: CryptoKey) => Promise<string>): Promise<Signer> {
    const keys = await generateEcKeys();
    const x5u = `${REPO}${name}.pem`;
    const pem = `${await issue(keys.publicKey as CryptoKey)}${issuer.certPem}`; // leaf, then its CA, as x5u serves
    certificates.set(x5u, pem);
    return { key: keys.privateKey as CryptoKey, x5u, pem };
  }

  beforeAll(async () => {
    ca = await stirCa();
    otherCa = await stirCa('another CA');
    tenant = await signer(ca, 'crt_tenant', async (publicKey) =>
      (await issueStirCertificate(ca, { publicKey, number: ORIG })).toString('pem'),
    );
    provider = await signer(ca, 'crt_provider', async (publicKey) =>
      (await issueProviderStirCertificate(ca, { publicKey, spc: '709J' })).toString('pem'),
    );
    untrusted = await signer(otherCa, 'crt_untrusted', async (publicKey) =>
      (await issueStirCertificate(otherCa, { publicKey, number: ORIG })).toString('pem'),
    );
  });
  beforeEach(() => fetchCertificate.mockClear());

  const verify = (token: string, extra: Partial<Parameters<typeof verifyPassport>[1]> = {}) =>
    verifyPassport(token, { fetchCertificate, caPem: ca.certPem, expectedDest: DEST, ...extra });

  it('signs the canonical form and verifies it back', async () => {
    const iat = now() - 30;
    const token = await signPassport(
      { orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID, iat },
      tenant.key,
      tenant.x5u,
    );
    const [header, payload] = token.split('.').map((p) => Buffer.from(p, 'base64url').toString('utf8'));
    expect(header).toBe(`{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"${tenant.x5u}"}`);
    expect(payload).toBe(
      `{"attest":"A","dest":{"tn":["14155550123"]},"iat":${iat},"orig":{"tn":"14085550100"},"origid":"${ORIGID}"}`,
    );
    expect(await verify(token, { now: iat + 30 })).toEqual({
      ok: true,
      orig: ORIG,
      dest: [DEST],
      attest: 'A',
      x5u: tenant.x5u,
      origid: ORIGID,
      iat,
    });
    expect(fetchCertificate).toHaveBeenCalledWith(tenant.x5u);
    // Without expectedDest any dest is fine; iat defaults to now.
    const fresh = await signPassport(
      { orig: ORIG, dest: [DEST, '+14155550124'], attest: 'B', origid: ORIGID },
      tenant.key,
      tenant.x5u,
    );
    expect(await verifyPassport(fresh, { fetchCertificate, caPem: ca.certPem })).toMatchObject({
      ok: true,
      dest: [DEST, '+14155550124'],
      attest: 'B',
    });
  });

  it('refuses a forged or altered signature', async () => {
    const forger = await generateEcKeys();
    const forged = await signPassport(
      { orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID },
      forger.privateKey as CryptoKey,
      tenant.x5u,
    );
    expect(await verify(forged)).toMatchObject({ ok: false, reason: 'bad-signature' });

    const genuine = await signPassport(
      { orig: ORIG, dest: ['+14155550999'], attest: 'C', origid: ORIGID },
      tenant.key,
      tenant.x5u,
    );
    const [h, p, s] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    const altered = Buffer.from(JSON.stringify({ ...claims, attest: 'A', dest: { tn: ['14155550123'] } })).toString(
      'base64url',
    );
    expect(await verify(`${h}.${altered}.${s}`)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  function unsigned(header: object, payload: object, signature: string): string {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${part(header)}.${part(payload)}.${signature}`;
  }
  const claims = () => ({
    attest: 'A',
    dest: { tn: ['14155550123'] },
    iat: now(),
    orig: { tn: '14085550100' },
    origid: ORIGID,
  });

  it('refuses alg none without looking at the certificate', async () => {
    const header = { alg: 'none', ppt: 'shaken', typ: 'passport', x5u: tenant.x5u };
    expect(await verify(unsigned(header, claims(), ''))).toMatchObject({ ok: false });
    expect(await verify(unsigned(header, claims(), 'AAAA'))).toMatchObject({ ok: false, reason: 'unsupported-alg' });
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it('refuses HS256, even keyed with the public certificate (algorithm confusion)', async () => {
    const token = await new CompactSign(Buffer.from(JSON.stringify(claims())))
      .setProtectedHeader({ alg: 'HS256', ppt: 'shaken', typ: 'passport', x5u: tenant.x5u })
      .sign(Buffer.from(tenant.pem));
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'unsupported-alg' });
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it('refuses another typ or ppt, and malformed tokens or claims', async () => {
    const sign = (header: Record<string, unknown>, payload: object) =>
      new CompactSign(Buffer.from(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'ES256', ...header })
        .sign(tenant.key);
    const base = { ppt: 'shaken', typ: 'passport', x5u: tenant.x5u };
    expect(await verify(await sign({ ...base, typ: 'JWT' }, claims()))).toMatchObject({ reason: 'unsupported-typ' });
    expect(await verify(await sign({ ...base, ppt: 'div' }, claims()))).toMatchObject({ reason: 'unsupported-ppt' });
    expect(await verify(await sign({ ...base, x5u: 'http://cp.example/c.pem' }, claims()))).toMatchObject({
      reason: 'x5u-not-allowed',
    });
    expect(await verify(await sign(base, { ...claims(), orig: { tn: '+14085550100' } }))).toMatchObject({
      reason: 'invalid-claims',
    });
    expect(await verify(await sign(base, { ...claims(), attest: 'D' }))).toMatchObject({ reason: 'invalid-claims' });
    expect(await verify(await sign(base, { ...claims(), dest: { tn: [] } }))).toMatchObject({
      reason: 'invalid-claims',
    });
    for (const token of ['', 'a.b', 'a.b.c.d', '!!!.e30.AAAA', 'x'.repeat(10_000)]) {
      expect(await verify(token)).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses a stale or future iat', async () => {
    const at = (iat: number) =>
      signPassport({ orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID, iat }, tenant.key, tenant.x5u);
    const t = now();
    expect(await verify(await at(t - 61), { now: t })).toMatchObject({ ok: false, reason: 'stale' });
    expect(await verify(await at(t + 61), { now: t })).toMatchObject({ ok: false, reason: 'stale' });
    expect(await verify(await at(t - 59), { now: t })).toMatchObject({ ok: true });
    expect(await verify(await at(t - 200), { now: t, maxAgeSeconds: 300 })).toMatchObject({ ok: true });
  });

  it('refuses a dest that does not contain the called number', async () => {
    const token = await signPassport(
      { orig: ORIG, dest: ['+14155550999'], attest: 'A', origid: ORIGID },
      tenant.key,
      tenant.x5u,
    );
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'dest-mismatch' });
    expect(await verify(token, { expectedDest: '14155550999' })).toMatchObject({ ok: true });
  });

  it('refuses a certificate of another number, and one from another CA', async () => {
    const other = await signPassport(
      { orig: '+14085550101', dest: [DEST], attest: 'A', origid: ORIGID },
      tenant.key,
      tenant.x5u,
    );
    expect(await verify(other)).toMatchObject({ ok: false, reason: 'certificate-number-not-covered' });
    const foreign = await signPassport(
      { orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID },
      untrusted.key,
      untrusted.x5u,
    );
    expect(await verify(foreign)).toMatchObject({ ok: false, reason: 'certificate-untrusted-issuer' });
    expect(await verify(foreign, { caPem: otherCa.certPem })).toMatchObject({ ok: true });
  });

  it("accepts the carrier's SHAKEN certificate for any orig, and nothing that only looks like it", async () => {
    for (const orig of [ORIG, '+442071838750']) {
      const token = await signPassport({ orig, dest: [DEST], attest: 'A', origid: ORIGID }, provider.key, provider.x5u);
      expect(await verify(token)).toMatchObject({ ok: true, orig, x5u: provider.x5u });
    }
    // An SPC certificate with another subject, and a number certificate named like a provider one.
    const odd = await signer(ca, 'crt_odd', async (publicKey) => {
      const cert = await issueProviderStirCertificate(ca, { publicKey, spc: '709J' });
      return (
        await issueCertificate(ca, {
          subject: [{ CN: ['SHAKEN 123X'] }],
          publicKey,
          notBefore: cert.notBefore,
          notAfter: cert.notAfter,
          extensions: [tnAuthListExtension([{ type: 'spc', spc: '709J' }])],
        })
      ).toString('pem');
    });
    const token = await signPassport({ orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID }, odd.key, odd.x5u);
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'certificate-number-not-covered' });
    // A provider certificate from another CA is not the carrier's.
    const rogue = await signer(otherCa, 'crt_rogue', async (publicKey) =>
      (await issueProviderStirCertificate(otherCa, { publicKey, spc: '709J' })).toString('pem'),
    );
    const rogueToken = await signPassport(
      { orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID },
      rogue.key,
      rogue.x5u,
    );
    expect(await verify(rogueToken)).toMatchObject({ ok: false, reason: 'certificate-untrusted-issuer' });
  });

  it('refuses an x5u outside the trusted repository without fetching it', async () => {
    const restricted = restrictX5u(REPO, fetchCertificate);
    const evil = await signer(ca, 'crt_evil', async (publicKey) =>
      (await issueStirCertificate(ca, { publicKey, number: ORIG })).toString('pem'),
    );
    for (const x5u of [
      'https://evil.example/ript/v1/certs/crt_evil.pem',
      'https://cp.example.evil.example/ript/v1/certs/crt_evil.pem',
      'https://cp.example@evil.example/ript/v1/certs/crt_evil.pem',
      'https://cp.example/ript/v1/certs/../../internal/v1/edge-config',
      'https://cp.example/ript/v1/certs/%2e%2e/x.pem',
      'https://cp.example/ript/v1/certs/crt_evil.pem?x=1',
      'https://cp.example/ript/v1/certs/crt_evil.pem#x',
      'https://cp.example:8443/ript/v1/certs/crt_evil.pem',
      'https://cp.example/ript/v1/other/crt_evil.pem',
    ]) {
      certificates.set(x5u, evil.pem);
      const token = await signPassport({ orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID }, evil.key, x5u);
      expect(await verify(token, { fetchCertificate: restricted })).toMatchObject({
        ok: false,
        reason: 'x5u-not-allowed',
      });
    }
    expect(fetchCertificate).not.toHaveBeenCalled();
    const inside = await signPassport({ orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID }, evil.key, evil.x5u);
    expect(await verify(inside, { fetchCertificate: restricted })).toMatchObject({ ok: true });
    await expect(restricted('https://evil.example/x.pem')).rejects.toBeInstanceOf(X5uRefusedError);
    expect(isX5uUnder(`${REPO}crt_a.pem`, REPO)).toBe(true);
    expect(isX5uUnder(`${REPO}crt_a.pem`, 'https://cp.example/ript/v1/certs')).toBe(false); // base must end in '/'
  });

  it('reports an x5u that cannot be fetched', async () => {
    const token = await signPassport(
      { orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID },
      tenant.key,
      `${REPO}crt_missing.pem`,
    );
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'x5u-unavailable' });
  });

  it('refuses to sign nonsense', async () => {
    await expect(
      signPassport({ orig: '4085550100x', dest: [DEST], attest: 'A', origid: ORIGID }, tenant.key, tenant.x5u),
    ).rejects.toThrow(TypeError);
    await expect(
      signPassport({ orig: ORIG, dest: [], attest: 'A', origid: ORIGID }, tenant.key, tenant.x5u),
    ).rejects.toThrow(TypeError);
  });
});
