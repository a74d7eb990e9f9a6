import { checkTargetUrl, isPrivateAddress, OutboundTargetError } from './outbound.js';

describe('outbound targets', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '0.0.0.0',
    '0.1.2.3',
    '::ffff:a00:1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::a00:1',
    '::a00:1',
    'fec0::1',
    '2002:a00:1::1',
  ])('treats %s as private', (a) => expect(isPrivateAddress(a)).toBe(true));

  it.each(['8.8.8.8', '2001:4860:4860::8888', '172.32.0.1'])('treats %s as public', (a) =>
    expect(isPrivateAddress(a)).toBe(false),
  );

  it('accepts public https URLs and refuses the rest', () => {
    expect(checkTargetUrl('https://pbx.acme.example/ript/v1/tgs/in', false).hostname).toBe('pbx.acme.example');
    for (const bad of [
      'http://pbx.example/',
      'https://u:p@pbx.example/',
      'https://localhost/x',
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://10.0.0.1/',
      'https://10.255.255.1/',
      'https://[::ffff:10.0.0.1]/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'not a url',
      'https://x.example/#frag',
    ]) {
      expect(() => checkTargetUrl(bad, false)).toThrow(OutboundTargetError);
    }
    expect(checkTargetUrl('https://127.0.0.1:9000/x', true).port).toBe('9000');
  });
});
