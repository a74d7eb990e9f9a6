import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { ConfigError } from '../../../common/config/env.js';
import {
  createCa,
  DAY_MS,
  generateEcKeys,
  issueProviderStirCertificate,
  issueServerCertificate,
  issueStirCertificate,
  providerSpcOf,
  StirCaExpiredError,
  TN_AUTH_LIST_OID,
  tnAuthListOf,
  verifyStirCertificate,
} from '@riptrunk/ript';
import { loadStirCa, STIR_CA_FILES } from './stir-ca-loader.js';

describe('STIR CA', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'riptrunk-stir-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once on first start, even by processes starting together', async () => {
    const dataDir = join(dir, 'data');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => loadStirCa({ dataDir })));
    expect(b.certPem).toBe(a.certPem);
    expect(c.certPem).toBe(a.certPem);
    expect(a.cert.subject).toBe('CN=riptrunk STIR CA');
    expect(a.cert.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(statSync(join(dataDir, STIR_CA_FILES.key)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, STIR_CA_FILES.cert), 'utf8')).toContain('BEGIN CERTIFICATE');
    const again = await loadStirCa({ dataDir });
    expect(again.certPem).toBe(a.certPem);
  });

  it("uses the operator's files, PKCS#8 or SEC1 key", async () => {
    const created = await createCa('Carrier STIR CA');
    const certFile = join(dir, 'ca.pem');
    const keyFile = join(dir, 'ca-key.pem');
    writeFileSync(certFile, created.certPem);
    writeFileSync(keyFile, created.keyPem);
    const ca = await loadStirCa({ dataDir: join(dir, 'unused'), certFile, keyFile });
    expect(ca.cert.subject).toBe('CN=Carrier STIR CA');
    const sec1 = createPrivateKey(created.keyPem).export({ type: 'sec1', format: 'pem' }).toString();
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    writeFileSync(keyFile, sec1);
    expect((await loadStirCa({ dataDir: dir, certFile, keyFile })).cert.subject).toBe('CN=Carrier STIR CA');
  });

  it('refuses unusable operator material with a configuration error', async () => {
    const created = await createCa('Carrier STIR CA');
    const other = await createCa('Other');
    const certFile = join(dir, 'ca.pem');
    const keyFile = join(dir, 'ca-key.pem');
    const load = () => loadStirCa({ dataDir: dir, certFile, keyFile });

    writeFileSync(certFile, created.certPem);
    writeFileSync(keyFile, other.keyPem);
    await expect(load()).rejects.toThrow(/RIPTRUNK_STIR_CA_KEY: the private key does not match/);

    const server = await issueServerCertificate(
      { cert: created.cert, privateKey: created.keys.privateKey },
      { dns: ['localhost'], ip: [] },
    );
    writeFileSync(certFile, server.certPem);
    writeFileSync(keyFile, server.keyPem);
    await expect(load()).rejects.toThrow(/RIPTRUNK_STIR_CA_CERT: not a CA certificate/);

    writeFileSync(certFile, 'nonsense');
    await expect(load()).rejects.toBeInstanceOf(ConfigError);

    writeFileSync(certFile, created.certPem);
    writeFileSync(keyFile, 'nonsense');
    await expect(load()).rejects.toThrow(/RIPTRUNK_STIR_CA_KEY: not a PEM EC P-256 private key/);

    await expect(loadStirCa({ dataDir: dir, certFile: join(dir, 'missing.pem'), keyFile })).rejects.toThrow(
      /RIPTRUNK_STIR_CA_CERT: cannot read .*missing.pem \(ENOENT\)/,
    );
    await expect(loadStirCa({ dataDir: dir, certFile })).rejects.toThrow(/set both or neither/);
  });

  it('issues an RFC 8226 certificate for one number', async () => {
    const ca = await loadStirCa({ dataDir: dir });
    const keys = await generateEcKeys();
    const before = Date.now();
    const cert = await issueStirCertificate(ca, { publicKey: keys.publicKey, number: '+14085550100' });

    expect(cert.subject).toBe('CN=\\+14085550100');
    expect(cert.issuer).toBe(ca.cert.subject);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    expect(cert.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(cert.notBefore.getTime()).toBeLessThanOrEqual(before);
    expect(cert.notAfter.getTime() - before).toBeGreaterThanOrEqual(365 * DAY_MS - 60_000);
    expect(cert.notAfter.getTime() - before).toBeLessThanOrEqual(365 * DAY_MS + 60_000);

    const constraints = cert.getExtension(x509.BasicConstraintsExtension)!;
    expect(constraints).toMatchObject({ ca: false, critical: true });
    const usages = cert.getExtension(x509.KeyUsagesExtension)!;
    expect(usages).toMatchObject({ usages: x509.KeyUsageFlags.digitalSignature, critical: true });
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)!;
    expect(ski.keyId).toBe((await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)).keyId);
    const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)!;
    expect(aki.keyId).toBe(ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
    expect(cert.extensions.find((e) => e.type === TN_AUTH_LIST_OID)?.critical).toBe(false);
    expect(tnAuthListOf(cert)).toEqual([{ type: 'one', number: '14085550100' }]);
    expect(await verifyStirCertificate(cert.toString('pem'), ca.certPem, '+14085550100')).toMatchObject({
      valid: true,
    });
  });

  it('never issues beyond the CA, and not at all once it is about to expire', async () => {
    const ca = await loadStirCa({ dataDir: dir });
    const keys = await generateEcKeys();
    const late = new Date(ca.cert.notAfter.getTime() - 100 * DAY_MS);
    const capped = await issueStirCertificate(ca, { publicKey: keys.publicKey, number: '+14085550100', now: late });
    expect(capped.notAfter.getTime()).toBe(ca.cert.notAfter.getTime());
    const tooLate = new Date(ca.cert.notAfter.getTime() - 3_600_000);
    await expect(
      issueStirCertificate(ca, { publicKey: keys.publicKey, number: '+14085550100', now: tooLate }),
    ).rejects.toBeInstanceOf(StirCaExpiredError);
  });

  it("issues the provider's SHAKEN certificate: CN=SHAKEN <SPC>, TNAuthList spc, 30 days", async () => {
    const ca = await loadStirCa({ dataDir: dir });
    const keys = await generateEcKeys();
    const cert = await issueProviderStirCertificate(ca, { publicKey: keys.publicKey, spc: '709J' });
    expect(cert.subject).toBe('CN=SHAKEN 709J');
    expect(tnAuthListOf(cert)).toEqual([{ type: 'spc', spc: '709J' }]);
    expect(providerSpcOf(cert)).toBe('709J');
    expect(cert.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(30 * DAY_MS);
    expect(cert.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: false });
    // It chains to the CA like any signer certificate; an SPC covers no number by itself.
    expect(await verifyStirCertificate(cert.toString('pem'), ca.certPem, '+14085550100')).toMatchObject({
      valid: false,
      reason: 'number-not-covered',
    });
    const tenantCert = await issueStirCertificate(ca, { publicKey: keys.publicKey, number: '+14085550100' });
    expect(providerSpcOf(tenantCert)).toBeNull();
  });
});
