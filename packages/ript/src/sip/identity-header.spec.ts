import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CryptoKey } from 'jose';
import * as ript from './index.js';
import { signPassport, X5uRefusedError } from '../stir/passport.js';
import { createCa, generateEcKeys } from '../stir/pki.js';
import { issueStirCertificate, type StirCa } from '../stir/stir-ca.js';
import {
  buildIdentityHeader,
  IdentityHeaderError,
  loadTrustAnchors,
  parseIdentityHeader,
  parseTrustAnchors,
  TrustStoreError,
  verifyIdentity,
} from './identity-header.js';

const REPO = 'https://sti-cr.carrier.example/certs/';
const ORIG = '+442071838750';
const DEST = '+14085550100';
const ORIGID = '123e4567-e89b-42d3-a456-426614174000';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof IdentityHeaderError) return e.code;
    throw e;
  }
  return 'no error';
}

let ca: StirCa;
let caPem: string;
let otherCaPem: string;
let key: CryptoKey;
const x5u = `${REPO}crt_1.pem`;
const certificates = new Map<string, string>();
const fetchCertificate = async (url: string): Promise<string> => {
  if (!url.startsWith(REPO)) throw new X5uRefusedError(url);
  const pem = certificates.get(url);
  if (!pem) throw new Error(`404 for ${url}`);
  return pem;
};

beforeAll(async () => {
  const created = await createCa('STI-CA test');
  ca = { cert: created.cert, privateKey: created.keys.privateKey, certPem: created.certPem };
  caPem = created.certPem;
  otherCaPem = (await createCa('Another STI-CA')).certPem;
  const keys = await generateEcKeys();
  key = keys.privateKey as CryptoKey;
  const leaf = await issueStirCertificate(ca, { publicKey: keys.publicKey, number: ORIG });
  certificates.set(x5u, `${leaf.toString('pem')}\n${caPem}`);
});

const sign = (claims: Partial<Parameters<typeof signPassport>[0]> = {}, url = x5u) =>
  signPassport({ orig: ORIG, dest: [DEST], attest: 'A', origid: ORIGID, ...claims }, key, url);

describe('Identity header build and parse', () => {
  it('builds <passport>;info=<x5u>;alg=ES256;ppt=shaken from the PASSporT', async () => {
    const passport = await sign();
    expect(buildIdentityHeader(passport)).toBe(`${passport};info=<${x5u}>;alg=ES256;ppt=shaken`);
    expect(buildIdentityHeader(passport, 'https://x/y.pem')).toContain(';info=<https://x/y.pem>;');
    expect(code(() => buildIdentityHeader('a.b'))).toBe('not-a-passport');
    expect(code(() => buildIdentityHeader(passport, 'https://x/a b'))).toBe('malformed');
  });

  it('parses tolerantly: whitespace, folding, case, order, quotes, extra params', async () => {
    const passport = await sign();
    const variants = [
      buildIdentityHeader(passport),
      `${passport} ; ppt = "shaken" ; ALG=ES256;info = < ${x5u} >`,
      `${passport};\r\n info=<${x5u}>;alg=ES256;ppt=shaken;foo=bar`,
      `"${passport}";info=<${x5u}>`,
    ];
    for (const v of variants) {
      const h = parseIdentityHeader(v);
      expect(h).toMatchObject({ passport, info: x5u, alg: 'ES256' });
    }
    expect(parseIdentityHeader(variants[1]).ppt).toBe('shaken');
    expect(parseIdentityHeader(variants[2]).params.foo).toBe('bar');
    expect(parseIdentityHeader(variants[3]).ppt).toBeNull();
  });

  it('rejects garbage with a typed error', async () => {
    const passport = await sign();
    expect(code(() => parseIdentityHeader(''))).toBe('malformed');
    expect(code(() => parseIdentityHeader('hello world'))).toBe('not-a-passport');
    expect(code(() => parseIdentityHeader(`${passport}`))).toBe('missing-info');
    expect(code(() => parseIdentityHeader(`${passport};alg=ES256`))).toBe('missing-info');
    expect(code(() => parseIdentityHeader(`${passport};info=<${x5u}`))).toBe('malformed');
    expect(code(() => parseIdentityHeader(`${passport};info=<${x5u}>;info=<${x5u}>`))).toBe('malformed');
    expect(code(() => parseIdentityHeader(`${passport};info=a b`))).toBe('malformed');
    expect(code(() => parseIdentityHeader(`${passport};=x;info=<${x5u}>`))).toBe('malformed');
    expect(code(() => parseIdentityHeader(`${passport.split('.').slice(0, 2).join('.')}.;info=<${x5u}>`))).toBe(
      'not-a-passport',
    );
    expect(code(() => parseIdentityHeader(`..${passport.split('.')[2]};info=<${x5u}>`))).toBe('compact-form');
    expect(code(() => parseIdentityHeader('x'.repeat(20000)))).toBe('malformed');
  });
});

describe('verifyIdentity', () => {
  const opts = () => ({ trustAnchorsPem: caPem, fetchCertificate, expectedDest: DEST, expectedOrig: ORIG });

  it('passes a good PASSporT with its claims', async () => {
    const passport = await sign();
    expect(await verifyIdentity(buildIdentityHeader(passport), opts())).toEqual({
      verstat: 'TN-Validation-Passed',
      reason: 'verified',
      passport,
      attest: 'A',
      orig: ORIG,
      dest: [DEST],
    });
  });

  it('marks a call without Identity unverified, and says when nothing is trusted', async () => {
    expect(await verifyIdentity(undefined, opts())).toEqual({ verstat: 'No-TN-Validation', reason: 'no-identity' });
    expect((await verifyIdentity([' '], opts())).verstat).toBe('No-TN-Validation');
    const header = buildIdentityHeader(await sign());
    expect(await verifyIdentity(header, { ...opts(), trustAnchorsPem: '' })).toMatchObject({
      verstat: 'No-TN-Validation',
      reason: 'no-trust-anchors',
    });
  });

  it('fails what does not verify, with the reason', async () => {
    const good = await sign();
    const cases: [string, string | string[], Partial<ReturnType<typeof opts>>][] = [
      ['identity-not-a-passport', 'garbage;info=<https://x/y.pem>', {}],
      ['certificate-untrusted-issuer', buildIdentityHeader(good), { trustAnchorsPem: otherCaPem }],
      ['dest-mismatch', buildIdentityHeader(good), { expectedDest: '+14085550199' }],
      ['orig-mismatch', buildIdentityHeader(good), { expectedOrig: '+442071838751' }],
      ['stale', buildIdentityHeader(await sign({ iat: Math.floor(Date.now() / 1000) - 120 })), {}],
      ['certificate-number-not-covered', buildIdentityHeader(await sign({ orig: '+442071838751' })), {}],
      ['x5u-not-allowed', buildIdentityHeader(await sign({}, 'https://evil.example/c.pem')), {}],
      ['x5u-unavailable', buildIdentityHeader(await sign({}, `${REPO}missing.pem`)), {}],
      ['info-mismatch', `${good};info=<${REPO}other.pem>;alg=ES256;ppt=shaken`, {}],
      ['unsupported-alg', `${good};info=<${x5u}>;alg=RS256`, {}],
      ['unsupported-ppt', `${good};info=<${x5u}>;ppt=div`, {}],
    ];
    for (const [reason, header, extra] of cases) {
      const result = await verifyIdentity(header, { ...opts(), ...extra });
      expect([reason, result.verstat, result.reason]).toEqual([reason, 'TN-Validation-Failed', reason]);
    }
    const tampered = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await verifyIdentity(buildIdentityHeader(tampered, x5u), opts())).reason).toBe('bad-signature');
  });

  it('takes the first of several headers that verifies', async () => {
    const good = buildIdentityHeader(await sign());
    const result = await verifyIdentity(['nonsense', good], opts());
    expect(result.verstat).toBe('TN-Validation-Passed');
    expect((await verifyIdentity(['nonsense', 'more'], opts())).reason).toBe('identity-not-a-passport');
  });
});

describe('trust anchors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sipcore-trust-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a PEM bundle file of CA certificates and verifies with it', async () => {
    const file = join(dir, 'trust.pem');
    await writeFile(file, `# STI-CAs\n${otherCaPem}\n${caPem}`);
    const anchors = await loadTrustAnchors(file);
    expect(anchors.subjects).toEqual(['CN=Another STI-CA', 'CN=STI-CA test']);
    const header = buildIdentityHeader(await sign());
    const result = await verifyIdentity(header, { trustAnchorsPem: anchors.pem, fetchCertificate });
    expect(result.verstat).toBe('TN-Validation-Passed');
  });

  it('refuses a missing file, an empty bundle, a broken or non-CA certificate', async () => {
    await expect(loadTrustAnchors(join(dir, 'nope.pem'))).rejects.toThrow(/cannot read STIR trust file/);
    expect(() => parseTrustAnchors('')).toThrow(TrustStoreError);
    expect(() => parseTrustAnchors('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(
      /does not parse/,
    );
    const leafPem = certificates.get(x5u)!.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n';
    expect(() => parseTrustAnchors(leafPem)).toThrow(/is not a CA certificate/);
    expect(ript.verifyIdentity).toBe(verifyIdentity);
  });
});
