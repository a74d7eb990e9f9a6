import * as ript from './index.js';
import {
  checkDefaultCountry,
  e164ToSipUri,
  parseSipAddress,
  SipNumberError,
  sipUriToE164,
  sipUserToE164,
} from './sip-numbers.js';

const GB = { defaultCountry: 'GB' };
const US = { defaultCountry: 'US' };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SipNumberError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('SIP user → E.164', () => {
  it('keeps + numbers, dropping visual separators and percent-encoding', () => {
    expect(sipUserToE164('+442071838750', GB)).toBe('+442071838750');
    expect(sipUserToE164('+1-408-555-0100', GB)).toBe('+14085550100');
    expect(sipUserToE164('%2B1%20(408)%20555.0100', GB)).toBe('+14085550100');
    // provider test lines are not "valid" numbers for libphonenumber but are E.164: they pass
    expect(sipUserToE164('+15550100001', GB)).toBe('+15550100001');
  });

  it('reads 00 and 011 international prefixes, country-aware', () => {
    expect(sipUserToE164('00442071838750', GB)).toBe('+442071838750');
    expect(sipUserToE164('011442071838750', US)).toBe('+442071838750');
    expect(sipUserToE164('0033142685300', US)).toBe('+33142685300');
    expect(sipUserToE164('011442071838750', GB)).toBe('+442071838750');
    // ... but 0113 is Leeds in the UK, a national number
    expect(sipUserToE164('01134960000', GB)).toBe('+441134960000');
  });

  it('reads national forms with the default country', () => {
    expect(sipUserToE164('02071838750', GB)).toBe('+442071838750');
    expect(sipUserToE164('020 7183 8750', GB)).toBe('+442071838750');
    expect(sipUserToE164('4085550100', US)).toBe('+14085550100');
    expect(sipUserToE164('14085550100', US)).toBe('+14085550100');
  });

  it('prefixes a global phone-context', () => {
    expect(sipUserToE164('2071838750', US, '+44')).toBe('+442071838750');
    // a domain context says nothing about the country: the default country applies
    expect(sipUserToE164('02071838750', GB, 'example.com')).toBe('+442071838750');
  });

  it('refuses what is no number, with a typed error', () => {
    expect(code(() => sipUserToE164('alice', GB))).toBe('not-a-number');
    expect(code(() => sipUserToE164('+44 20 x', GB))).toBe('not-a-number');
    expect(code(() => sipUserToE164('', GB))).toBe('not-a-number');
    expect(code(() => sipUserToE164('+0441234', GB))).toBe('invalid-number');
    expect(code(() => sipUserToE164('+1234567890123456', GB))).toBe('invalid-number');
    expect(code(() => sipUserToE164('0044207', GB))).toBe('invalid-number');
    expect(code(() => sipUserToE164('12', US))).toBe('invalid-number');
    expect(code(() => sipUserToE164('%zz', US))).toBe('bad-uri');
    expect(() => sipUserToE164('+4420', { defaultCountry: 'XX' })).toThrow(RangeError);
    expect(checkDefaultCountry('gb')).toBe('GB');
  });
});

describe('SIP URI → E.164', () => {
  it('reads sip, sips and tel URIs and name-addrs', () => {
    expect(sipUriToE164('sip:+442071838750@10.0.0.1;user=phone', US)).toBe('+442071838750');
    expect(sipUriToE164('sips:02071838750@core.example:5061;transport=tls', GB)).toBe('+442071838750');
    expect(sipUriToE164('"Reception" <sip:4085550100@[2001:db8::1]:5060;user=phone>;tag=abc', US)).toBe('+14085550100');
    expect(sipUriToE164('tel:+1-408-555-0100', GB)).toBe('+14085550100');
    expect(sipUriToE164('<tel:2071838750;phone-context=+44>', US)).toBe('+442071838750');
    expect(sipUriToE164('sip:2071838750;phone-context=+44@gw.example;user=phone', US)).toBe('+442071838750');
    expect(sipUriToE164('SIP:+442071838750:secret@h', US)).toBe('+442071838750');
  });

  it('splits the parts', () => {
    expect(parseSipAddress('sip:+1@[::1]:5060;transport=tcp')).toEqual({ scheme: 'sip', user: '+1', host: '[::1]' });
    expect(parseSipAddress('sip:+1@host.example?subject=x')).toEqual({
      scheme: 'sip',
      user: '+1',
      host: 'host.example',
    });
  });

  it('refuses what is not a SIP or tel URI', () => {
    expect(code(() => sipUriToE164('http://x/+44', GB))).toBe('bad-uri');
    expect(code(() => sipUriToE164('sip:core.example', GB))).toBe('bad-uri');
    expect(code(() => sipUriToE164('<sip:+4420@x', GB))).toBe('bad-uri');
    expect(code(() => sipUriToE164('sip:alice@example.com', GB))).toBe('not-a-number');
    expect(code(() => sipUriToE164('sip:anonymous@anonymous.invalid', GB))).toBe('not-a-number');
  });
});

describe('E.164 → SIP URI', () => {
  it('writes sip:+E164@host;user=phone', () => {
    expect(e164ToSipUri('+442071838750', 'peer.example')).toBe('sip:+442071838750@peer.example;user=phone');
    expect(e164ToSipUri('+442071838750', '10.0.0.1', 5080)).toBe('sip:+442071838750@10.0.0.1:5080;user=phone');
    expect(e164ToSipUri('+442071838750', '2001:db8::1', 5060)).toBe('sip:+442071838750@[2001:db8::1]:5060;user=phone');
  });

  it('refuses a number that is not E.164 or a bad host', () => {
    expect(code(() => e164ToSipUri('02071838750', 'h'))).toBe('invalid-number');
    expect(() => e164ToSipUri('+442071838750', 'a b')).toThrow(RangeError);
    expect(() => e164ToSipUri('+442071838750', 'h@x')).toThrow(RangeError);
    expect(() => e164ToSipUri('+442071838750', 'h', 0)).toThrow(RangeError);
  });

  it('round-trips', () => {
    expect(sipUriToE164(e164ToSipUri('+14085550100', 'h'), GB)).toBe('+14085550100');
    expect(ript.sipUriToE164).toBe(sipUriToE164);
  });
});
