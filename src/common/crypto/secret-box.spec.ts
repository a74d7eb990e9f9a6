import { hashSecret, SecretBox, secretMatches } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 7));

  it('round-trips and binds the context', () => {
    const sealed = box.seal('private key', 'kid-1');
    expect(sealed).not.toContain('private key');
    expect(box.open(sealed, 'kid-1')).toBe('private key');
    expect(() => box.open(sealed, 'kid-2')).toThrow();
  });

  it('refuses tampered data and other keys', () => {
    const sealed = box.seal('x');
    const parts = sealed.split('.');
    parts[2] = Buffer.from('y').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed)).toThrow();
  });

  it('refuses a truncated authentication tag', () => {
    const sealed = box.seal('private key', 'kid-1');
    const parts = sealed.split('.');
    // A GCM tag cut to its first 4 bytes still verifies unless the tag length is pinned to 16.
    parts[3] = Buffer.from(parts[3], 'base64url').subarray(0, 4).toString('base64url');
    expect(() => box.open(parts.join('.'), 'kid-1')).toThrow();
  });

  it('compares secret hashes', () => {
    expect(secretMatches('abc', hashSecret('abc'))).toBe(true);
    expect(secretMatches('abd', hashSecret('abc'))).toBe(false);
  });
});
