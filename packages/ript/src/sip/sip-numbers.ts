/**
 * Numbers on the gateway's SIP side (profile §10): a SIP URI user part or a tel URI (RFC 3966) becomes canonical
 * E.164 as riptrunk compares numbers (`isE164`), with a configured default country for national forms; and an
 * E.164 number becomes the SIP URI the gateway sends, `sip:+E164@host;user=phone` (RFC 3261 §19.1.6).
 * Accepted forms: `+` international, `00` / `011` international prefixes (whichever the default country dials
 * first, then the other when the number only makes sense that way), national forms with or without the national
 * prefix, visual separators (space . - ( )) and percent-encoding. A `+` number passes as is once it is E.164 (the
 * edge routes it); other forms must be a possible number of their country (libphonenumber-js).
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { isIP } from 'node:net';
import { isE164 } from '../e164.js';

export type SipNumberErrorCode =
  | 'bad-uri' // not a sip:, sips: or tel: URI, or no user part
  | 'not-a-number' // the user part is not a telephone number (e.g. sip:alice@...)
  | 'invalid-number'; // digits that make no E.164 number

/** A SIP-side number riptrunk cannot use; the gateway answers 404 (or 484 for an incomplete one). */
export class SipNumberError extends Error {
  readonly code: SipNumberErrorCode;
  constructor(code: SipNumberErrorCode, message: string) {
    super(message);
    this.name = 'SipNumberError';
    this.code = code;
  }
}

export interface SipNumberOptions {
  /** ISO 3166-1 alpha-2 country for national forms, e.g. 'GB' or 'US'. */
  defaultCountry: string;
}

/** The default country checked, for a clear error at start-up rather than on the first call. */
export function checkDefaultCountry(country: string): CountryCode {
  if (typeof country !== 'string' || !isSupportedCountry(country.toUpperCase())) {
    throw new RangeError(`'${country}' is not a supported ISO 3166-1 alpha-2 country code`);
  }
  return country.toUpperCase() as CountryCode;
}

const VISUAL_SEPARATORS = /[\s().-]/g;

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new SipNumberError('bad-uri', `'${s}' has a bad percent-encoding`);
  }
}

/**
 * The E.164 form of a telephone number as found in a SIP URI user part or a tel URI number (without parameters).
 * `phoneContext` is a tel URI's or user part's `phone-context` (a `+digits` prefix is prepended to a local number).
 */
export function sipUserToE164(user: string, options: SipNumberOptions, phoneContext?: string): string {
  const country = checkDefaultCountry(options.defaultCountry);
  const raw = decode(user).replace(VISUAL_SEPARATORS, '');
  if (!/^\+?\d+$/.test(raw)) {
    throw new SipNumberError('not-a-number', `'${user}' is not a telephone number`);
  }
  if (raw.startsWith('+')) {
    if (!isE164(raw)) throw new SipNumberError('invalid-number', `'${user}' is not an E.164 number`);
    return raw;
  }
  const context = phoneContext?.replace(VISUAL_SEPARATORS, '');
  if (context !== undefined && /^\+\d+$/.test(context)) {
    const global = context + raw;
    if (!isE164(global)) throw new SipNumberError('invalid-number', `'${user}' in ${context} is not an E.164 number`);
    return global;
  }
  const national = parsePhoneNumberFromString(raw, country);
  if (national?.isPossible() && isE164(national.number)) return national.number;
  for (const prefix of ['011', '00']) {
    if (!raw.startsWith(prefix)) continue;
    const international = parsePhoneNumberFromString(`+${raw.slice(prefix.length)}`);
    if (international?.isPossible() && isE164(international.number)) return international.number;
  }
  throw new SipNumberError('invalid-number', `'${user}' is not a possible number (default country ${country})`);
}

export interface ParsedSipAddress {
  scheme: 'sip' | 'sips' | 'tel';
  /** The user part (sip/sips) or number (tel), parameters removed, not decoded. */
  user: string;
  /** The host of a sip/sips URI (null for tel). */
  host: string | null;
  /** `phone-context` of a tel URI or of the user part, if any. */
  phoneContext?: string;
}

/** Splits a SIP/SIPS/tel URI (a bare URI or a name-addr `"Name" <uri>;tag=...`) into what number mapping needs. */
export function parseSipAddress(input: string): ParsedSipAddress {
  if (typeof input !== 'string') throw new SipNumberError('bad-uri', 'a SIP address must be a string');
  let uri = input.trim();
  const lt = uri.indexOf('<');
  if (lt >= 0) {
    const gt = uri.indexOf('>', lt);
    if (gt < 0) throw new SipNumberError('bad-uri', `'${input}' has '<' without '>'`);
    uri = uri.slice(lt + 1, gt).trim();
  }
  const m = /^(sips?|tel):(.+)$/i.exec(uri);
  if (!m) throw new SipNumberError('bad-uri', `'${input}' is not a sip:, sips: or tel: URI`);
  const scheme = m[1].toLowerCase() as ParsedSipAddress['scheme'];
  const rest = m[2];
  if (scheme === 'tel') {
    const [number, ...params] = rest.split(';');
    return { scheme, user: number, host: null, ...phoneContextOf(params) };
  }
  const at = rest.lastIndexOf('@');
  if (at <= 0) throw new SipNumberError('bad-uri', `'${input}' has no user part`);
  const [user, ...userParams] = rest.slice(0, at).split(';');
  const hostPart = rest.slice(at + 1).split(/[;?]/, 1)[0];
  const host = hostPart.startsWith('[') ? hostPart.slice(0, hostPart.indexOf(']') + 1) : hostPart.split(':')[0];
  if (user === '' || host === '') throw new SipNumberError('bad-uri', `'${input}' has an empty user or host`);
  return { scheme, user: user.split(':')[0], host, ...phoneContextOf(userParams) };
}

function phoneContextOf(params: string[]): { phoneContext?: string } {
  for (const p of params) {
    const [name, value] = p.split('=');
    if (name.trim().toLowerCase() === 'phone-context' && value) return { phoneContext: decode(value.trim()) };
  }
  return {};
}

/** The E.164 number of a SIP/SIPS/tel URI or name-addr (Request-URI, To, From, P-Asserted-Identity). */
export function sipUriToE164(uri: string, options: SipNumberOptions): string {
  const parsed = parseSipAddress(uri);
  return sipUserToE164(parsed.user, options, parsed.phoneContext);
}

/** `sip:+E164@host[:port];user=phone`, the SIP URI of an E.164 number at a peer (IPv6 hosts bracketed). */
export function e164ToSipUri(e164: string, host: string, port?: number): string {
  if (!isE164(e164)) throw new SipNumberError('invalid-number', `'${e164}' is not an E.164 number`);
  if (typeof host !== 'string' || !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.:-]+)$/.test(host)) {
    throw new RangeError(`'${host}' is not a SIP host`);
  }
  const h = isIP(host) === 6 ? `[${host}]` : host;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new RangeError(`SIP port must be 1..65535, got ${port}`);
  }
  return `sip:${e164}@${h}${port !== undefined ? `:${port}` : ''};user=phone`;
}
