import * as x509 from '@peculiar/x509';
import { createCa, DAY_MS, generateEcKeys, issueCertificate } from './pki.js';
import { issueStirCertificate, type StirCa } from './stir-ca.js';
import {
  decodeTnAuthList,
  encodeTnAuthList,
  TN_AUTH_LIST_OID,
  TnAuthListError,
  tnAuthListCovers,
  tnAuthListExtension,
  tnAuthListOf,
  verifyStirCertificate,
  type TnEntry,
} from './tnauthlist.js';

const hex = (buffer: ArrayBuffer) => Buffer.from(buffer).toString('hex');
const fromHex = (value: string) => Buffer.from(value.replace(/\s+/g, ''), 'hex');

// Vectors worked out by hand from RFC 8226's module (EXPLICIT TAGS): SEQUENCE OF { [n] { IA5String | SEQUENCE } }.
const ONE_HEX = '300f a20d 160b 3134303835353530313030'; // one "14085550100"
const SPC_HEX = '3008 a006 1604 3730394a'; // spc "709J", as in ATIS-1000080 certificates
const RANGE_HEX = '3014 a112 3010 160b 3134303835353530313030 020164'; // range 14085550100, count 100

describe('TNAuthList (RFC 8226)', () => {
  it('encodes a TNEntry `one` with the explicit [2] tag', () => {
    expect(hex(encodeTnAuthList([{ type: 'one', number: '14085550100' }]))).toBe(ONE_HEX.replace(/\s/g, ''));
  });

  it('encodes spc [0] and range [1] as other implementations do', () => {
    expect(hex(encodeTnAuthList([{ type: 'spc', spc: '709J' }]))).toBe(SPC_HEX.replace(/\s/g, ''));
    expect(hex(encodeTnAuthList([{ type: 'range', start: '14085550100', count: 100 }]))).toBe(
      RANGE_HEX.replace(/\s/g, ''),
    );
  });

  it('decodes what it encodes, in order', () => {
    const entries: TnEntry[] = [
      { type: 'one', number: '14085550100' },
      { type: 'range', start: '442071838750', count: 50 },
      { type: 'spc', spc: '709J' },
      { type: 'one', number: '*67#' },
    ];
    expect(decodeTnAuthList(encodeTnAuthList(entries))).toEqual(entries);
    expect(decodeTnAuthList(fromHex(ONE_HEX))).toEqual([{ type: 'one', number: '14085550100' }]);
    expect(decodeTnAuthList(fromHex(SPC_HEX))).toEqual([{ type: 'spc', spc: '709J' }]);
    expect(decodeTnAuthList(new Uint8Array(fromHex(RANGE_HEX)))).toEqual([
      { type: 'range', start: '14085550100', count: 100 },
    ]);
  });

  it.each([
    ['an empty list', '3000'],
    ['trailing bytes', `${ONE_HEX} 00`],
    ['a long-form length (BER, not DER)', '30810f a20d 160b 3134303835353530313030'],
    ['an implicit [2] tag', '300d 820b 3134303835353530313030'],
    ['an untagged number', '300d 160b 3134303835353530313030'],
    ['an unknown [3] alternative', '3008 a306 1604 3730394a'],
    ['a number with a letter', '3007 a205 1603 313241'],
    ['a number of 16 digits', '3014 a212 1610 31323334353637383930313233343536'],
    ['a range count of 1', '3014 a112 3010 160b 3134303835353530313030 020101'],
    ['a UTF8String number', '300f a20d 0c0b 3134303835353530313030'],
    ['not ASN.1 at all', 'ffff'],
  ])('refuses %s', (_what, value) => {
    expect(() => decodeTnAuthList(fromHex(value))).toThrow(TnAuthListError);
  });

  it('refuses to encode values outside the module', () => {
    expect(() => encodeTnAuthList([])).toThrow(TnAuthListError);
    expect(() => encodeTnAuthList([{ type: 'one', number: '+14085550100' }])).toThrow(/0-9 # \*/);
    expect(() => encodeTnAuthList([{ type: 'one', number: '1234567890123456' }])).toThrow(TnAuthListError);
    expect(() => encodeTnAuthList([{ type: 'range', start: '1408', count: 1 }])).toThrow(/at least 2/);
    expect(() => encodeTnAuthList([{ type: 'spc', spc: '' }])).toThrow(TnAuthListError);
  });

  it('tells which numbers a list covers', () => {
    const entries: TnEntry[] = [
      { type: 'one', number: '14085550100' },
      { type: 'range', start: '442071838750', count: 50 },
      { type: 'spc', spc: '709J' },
    ];
    expect(tnAuthListCovers(entries, '+14085550100')).toBe(true);
    expect(tnAuthListCovers(entries, '14085550100')).toBe(true);
    expect(tnAuthListCovers(entries, '+14085550101')).toBe(false);
    expect(tnAuthListCovers(entries, '+442071838750')).toBe(true);
    expect(tnAuthListCovers(entries, '+442071838799')).toBe(true);
    expect(tnAuthListCovers(entries, '+442071838800')).toBe(false);
    expect(tnAuthListCovers(entries, '+442071838749')).toBe(false);
    expect(tnAuthListCovers(entries, '+4420718387500')).toBe(false); // longer number, same prefix
    expect(tnAuthListCovers(entries, '709J')).toBe(false);
    expect(tnAuthListCovers(entries, 'not a number')).toBe(false);
    expect(tnAuthListCovers([{ type: 'range', start: '9990', count: 20 }], '+10009')).toBe(false);
  });

  it('reads the extension of a certificate and of a CSR', async () => {
    const keys = await generateEcKeys();
    const extension = tnAuthListExtension([{ type: 'one', number: '14085550100' }]);
    expect(extension.type).toBe(TN_AUTH_LIST_OID);
    expect(extension.critical).toBe(false);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=pbx',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [extension],
    });
    expect(tnAuthListOf(new x509.Pkcs10CertificateRequest(csr.toString('pem')))).toEqual([
      { type: 'one', number: '14085550100' },
    ]);
    const plain = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=pbx',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    expect(tnAuthListOf(plain)).toBeNull();
  });
});

describe('verifyStirCertificate', () => {
  let ca: StirCa;
  let otherCa: StirCa;
  let leafPem: string;
  let leaf: x509.X509Certificate;

  const stirCa = async (name: string): Promise<StirCa> => {
    const created = await createCa(name);
    return { cert: created.cert, certPem: created.certPem, privateKey: created.keys.privateKey };
  };

  beforeAll(async () => {
    ca = await stirCa('test STIR CA');
    otherCa = await stirCa('test STIR CA'); // same name, other key
    const keys = await generateEcKeys();
    leaf = await issueStirCertificate(ca, { publicKey: keys.publicKey, number: '+14085550100' });
    leafPem = leaf.toString('pem');
  });

  it('accepts a certificate of the CA for its number, alone or followed by its CA (x5u contents)', async () => {
    const result = await verifyStirCertificate(leafPem, ca.certPem, '+14085550100');
    expect(result).toMatchObject({ valid: true, tnAuthList: [{ type: 'one', number: '14085550100' }] });
    expect(await verifyStirCertificate(`${leafPem}\n${ca.certPem}`, ca.certPem, '14085550100')).toMatchObject({
      valid: true,
    });
    // Several trust anchors: the one that signed it is found.
    expect(await verifyStirCertificate(leafPem, `${otherCa.certPem}\n${ca.certPem}`, '+14085550100')).toMatchObject({
      valid: true,
    });
  });

  it('refuses another number', async () => {
    expect(await verifyStirCertificate(leafPem, ca.certPem, '+14085550101')).toMatchObject({
      valid: false,
      reason: 'number-not-covered',
    });
  });

  it('refuses a certificate of another CA, even one with the same name', async () => {
    expect(await verifyStirCertificate(leafPem, otherCa.certPem, '+14085550100')).toMatchObject({
      valid: false,
      reason: 'untrusted-issuer',
    });
  });

  it('refuses outside the validity period', async () => {
    const after = new Date(leaf.notAfter.getTime() + 1000);
    expect(await verifyStirCertificate(leafPem, ca.certPem, '+14085550100', { now: after })).toMatchObject({
      valid: false,
      reason: 'expired',
    });
    const before = new Date(leaf.notBefore.getTime() - 1000);
    expect(await verifyStirCertificate(leafPem, ca.certPem, '+14085550100', { now: before })).toMatchObject({
      valid: false,
      reason: 'not-yet-valid',
    });
  });

  it('refuses a certificate without TNAuthList, a CA certificate, one not for signing, and garbage', async () => {
    const keys = await generateEcKeys();
    const base = {
      subject: 'CN=x',
      publicKey: keys.publicKey,
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
    };
    const bare = await issueCertificate(ca, { ...base, extensions: [] });
    expect(await verifyStirCertificate(bare.toString('pem'), ca.certPem, '+14085550100')).toMatchObject({
      valid: false,
      reason: 'no-tnauthlist',
    });
    const tn = tnAuthListExtension([{ type: 'one', number: '14085550100' }]);
    const subCa = await issueCertificate(ca, { ...base, extensions: [new x509.BasicConstraintsExtension(true), tn] });
    expect(await verifyStirCertificate(subCa.toString('pem'), ca.certPem, '+14085550100')).toMatchObject({
      valid: false,
      reason: 'not-end-entity',
    });
    const encipher = await issueCertificate(ca, {
      ...base,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyAgreement), tn],
    });
    expect(await verifyStirCertificate(encipher.toString('pem'), ca.certPem, '+14085550100')).toMatchObject({
      valid: false,
      reason: 'key-usage',
    });
    const broken = new x509.Extension(TN_AUTH_LIST_OID, false, fromHex('3000'));
    const malformed = await issueCertificate(ca, { ...base, extensions: [broken] });
    expect(await verifyStirCertificate(malformed.toString('pem'), ca.certPem, '+14085550100')).toMatchObject({
      valid: false,
      reason: 'malformed-tnauthlist',
    });
    expect(await verifyStirCertificate('garbage', ca.certPem, '+14085550100')).toMatchObject({
      valid: false,
      reason: 'malformed',
    });
    const bad = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(await verifyStirCertificate(bad, ca.certPem, '+14085550100')).toMatchObject({
      valid: false,
      reason: 'malformed',
    });
  });

  it('refuses the CA certificate itself', async () => {
    expect(await verifyStirCertificate(ca.certPem, ca.certPem, '+14085550100')).toMatchObject({ valid: false });
  });

  it('needs a CA', async () => {
    await expect(verifyStirCertificate(leafPem, '', '+14085550100')).rejects.toThrow(TypeError);
  });
});
