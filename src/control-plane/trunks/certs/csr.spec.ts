import * as x509 from '@peculiar/x509';
import { ProblemException } from '../../../common/http/problem.js';
import { generateEcKeys, tnAuthListExtension, type TnEntry } from '@riptrunk/ript';
import { parseStirCsr, stirCsrNumber } from './csr.js';

async function csrPem(cn: string, tnAuthList?: TnEntry[]): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [cn] }],
    keys: await generateEcKeys(),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: tnAuthList ? [tnAuthListExtension(tnAuthList)] : [],
  });
  return csr.toString('pem');
}

async function problemOf(fn: () => unknown): Promise<{ status: number; type: string; detail?: string }> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ProblemException) return err.problem as { status: number; type: string; detail?: string };
    throw err;
  }
  throw new Error('expected a problem');
}

describe('STIR CSRs', () => {
  it('reads the TNAuthList request and the CN', async () => {
    const parsed = await parseStirCsr(await csrPem('pbx', [{ type: 'one', number: '14085550100' }]));
    expect(parsed.tnAuthList).toEqual([{ type: 'one', number: '14085550100' }]);
    expect(parsed.commonName).toBe('pbx');
    expect(stirCsrNumber(parsed)).toBe('+14085550100');
    expect(stirCsrNumber(parsed, '+1 (408) 555-0100')).toBe('+14085550100');
  });

  it('ignores text around the PEM block but not a second block', async () => {
    const pem = await csrPem('+14085550100');
    expect(stirCsrNumber(await parseStirCsr(`Certificate Request:\n  Data: ...\n${pem}`))).toBe('+14085550100');
    const twice = await problemOf(() => parseStirCsr(`${pem}${pem}`));
    expect(twice).toMatchObject({ status: 400, type: 'urn:riptrunk:problem:malformed-csr' });
  });

  it('falls back to a number field, then to a CN that is a number', async () => {
    const named = await parseStirCsr(await csrPem('+1 408 555 0100'));
    expect(stirCsrNumber(named)).toBe('+14085550100');
    expect(stirCsrNumber(named, '+14085550101')).toBe('+14085550101'); // the field wins over the CN
    // Without '+' it could be a national number: not taken.
    const national = await parseStirCsr(await csrPem('4085550100'));
    expect(await problemOf(() => stirCsrNumber(national))).toMatchObject({
      type: 'urn:riptrunk:problem:number-required',
    });
    expect(await problemOf(() => stirCsrNumber(national, '4085550100'))).toMatchObject({
      type: 'urn:riptrunk:problem:invalid-number',
    });
    const text = await parseStirCsr(await csrPem('Acme SHAKEN 709J'));
    expect(await problemOf(() => stirCsrNumber(text))).toMatchObject({
      status: 400,
      type: 'urn:riptrunk:problem:number-required',
    });
    expect(await problemOf(() => stirCsrNumber(text, '0800 123'))).toMatchObject({
      status: 400,
      type: 'urn:riptrunk:problem:invalid-number',
    });
  });

  it('issues for exactly one telephone number', async () => {
    for (const list of [
      [{ type: 'range', start: '14085550100', count: 10 }],
      [{ type: 'spc', spc: '709J' }],
      [
        { type: 'one', number: '14085550100' },
        { type: 'one', number: '14085550101' },
      ],
    ] as TnEntry[][]) {
      const parsed = await parseStirCsr(await csrPem('pbx', list));
      expect(await problemOf(() => stirCsrNumber(parsed))).toMatchObject({
        status: 400,
        type: 'urn:riptrunk:problem:not-one-number',
      });
    }
    const star = await parseStirCsr(await csrPem('pbx', [{ type: 'one', number: '*67' }]));
    expect(await problemOf(() => stirCsrNumber(star))).toMatchObject({ type: 'urn:riptrunk:problem:invalid-number' });
  });

  it('refuses a malformed TNAuthList request', async () => {
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=pbx',
      keys: await generateEcKeys(),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.Extension('1.3.6.1.5.5.7.1.26', false, new Uint8Array([0x30, 0x00]))],
    });
    expect(await problemOf(() => parseStirCsr(csr.toString('pem')))).toMatchObject({
      status: 400,
      type: 'urn:riptrunk:problem:malformed-tnauthlist',
    });
  });
});
