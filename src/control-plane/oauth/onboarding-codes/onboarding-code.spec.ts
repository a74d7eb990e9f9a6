import { hashSecret } from '../../../common/crypto/secret-box.js';
import {
  CODE_ALPHABET,
  encodeBase32,
  generateOnboardingCode,
  hashOnboardingCode,
  normalizeOnboardingCode,
  onboardingCodeHint,
} from './onboarding-code.js';

const FORMAT = /^RIPT-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

describe('onboarding code format', () => {
  it('generates RIPT-XXXX-XXXX-XXXX-XXXX in upper-case Crockford base32', () => {
    for (let i = 0; i < 200; i++) expect(generateOnboardingCode()).toMatch(FORMAT);
  });

  it('does not repeat and uses the whole alphabet', () => {
    const codes = Array.from({ length: 2000 }, generateOnboardingCode);
    expect(new Set(codes).size).toBe(codes.length);
    const seen = new Set(codes.join('').replace(/^RIPT|-|RIPT/g, ''));
    for (const c of CODE_ALPHABET) expect(seen.has(c)).toBe(true);
  });

  it('encodes exactly 80 bits, 5 per character, most significant first', () => {
    expect(encodeBase32(new Uint8Array(10))).toBe('0000000000000000');
    expect(encodeBase32(new Uint8Array(10).fill(0xff))).toBe('ZZZZZZZZZZZZZZZZ');
    // 0x08 0x86 0x42 ... : 00001 00010 00011 00100 00101 ... spells 1 2 3 4 5 6 7 8 9 A B C D E F G
    const bytes = Uint8Array.from([0x08, 0x86, 0x42, 0x98, 0xe8, 0x4a, 0x96, 0xc6, 0xb9, 0xf0]);
    expect(encodeBase32(bytes)).toBe('123456789ABCDEFG');
    expect(() => encodeBase32(new Uint8Array(9))).toThrow();
  });
});

describe('normalizeOnboardingCode', () => {
  const code = 'RIPT-7K3M-Q9XD-2VBN-H4TW';

  it('accepts the display form unchanged', () => {
    expect(normalizeOnboardingCode(code)).toBe(code);
  });

  it('is case-insensitive and ignores dashes and spaces', () => {
    for (const input of [
      'ript-7k3m-q9xd-2vbn-h4tw',
      'RIPT7K3MQ9XD2VBNH4TW',
      'ript 7k3m q9xd 2vbn h4tw',
      '  RIPT-7K3M-Q9XD-2VBN-H4TW\n',
      'RIPT--7K3MQ9XD-2VBN-H4TW',
    ]) {
      expect(normalizeOnboardingCode(input)).toBe(code);
    }
  });

  it('accepts the code without its RIPT prefix', () => {
    expect(normalizeOnboardingCode('7K3M-Q9XD-2VBN-H4TW')).toBe(code);
    expect(normalizeOnboardingCode('7k3mq9xd2vbnh4tw')).toBe(code);
  });

  it("maps Crockford's look-alikes O to 0 and I, L to 1", () => {
    expect(normalizeOnboardingCode('RIPT-O1IL-0000-0000-0000')).toBe('RIPT-0111-0000-0000-0000');
  });

  it('rejects anything else', () => {
    for (const input of [
      '',
      'RIPT',
      'RIPT-7K3M-Q9XD-2VBN-H4T', // 15 characters
      'RIPT-7K3M-Q9XD-2VBN-H4TWX', // 17
      'RIPT-7K3M-Q9XD-2VBN-H4TU', // U is not in the alphabet
      'XXXX-7K3M-Q9XD-2VBN-H4TW',
      'RIPT_7K3M_Q9XD_2VBN_H4TW',
      'RIPT-7K3M-Q9XD-2VBN-H4T#',
      `${code}${' '.repeat(100)}`,
      42,
      null,
      undefined,
    ]) {
      expect(normalizeOnboardingCode(input)).toBeNull();
    }
  });

  it('round-trips every generated code', () => {
    for (let i = 0; i < 100; i++) {
      const c = generateOnboardingCode();
      expect(normalizeOnboardingCode(c.toLowerCase().replace(/-/g, ''))).toBe(c);
    }
  });
});

describe('hash and hint', () => {
  it('hashes the canonical form with SHA-256, so every spelling of a code has one hash', () => {
    const code = 'RIPT-7K3M-Q9XD-2VBN-H4TW';
    expect(hashOnboardingCode(code)).toBe(hashSecret(code));
    expect(hashOnboardingCode(normalizeOnboardingCode('ript7k3mq9xd2vbnh4tw')!)).toBe(hashOnboardingCode(code));
    expect(hashOnboardingCode(code)).not.toContain('H4TW');
  });

  it('hints with the last four characters', () => {
    expect(onboardingCodeHint('RIPT-7K3M-Q9XD-2VBN-H4TW')).toBe('H4TW');
  });
});
