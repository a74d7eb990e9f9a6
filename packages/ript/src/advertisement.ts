/**
 * Advertisement grammar of profile §5, whitespace-insensitive:
 *   advertisement = 1*entry
 *   entry = id SP dir ":" 1*(codec *("," param) ";")
 *   param = name ["=" 1*DIGIT]   ; every value is a maximum, a bare name means 1
 * Decisions: codec and param names are tokens that start with a letter (so a digit always starts
 * the next entry); names and "in"/"out" are case-sensitive; the space between id and dir is
 * optional; a codec may appear once per entry and a param once per codec.
 */
import { GrammarCursor, isDigit } from './grammar.js';

export type MediaDirection = 'in' | 'out';

export interface CodecSpec {
  name: string;
  params: Record<string, number>;
}

export interface AdvertisementEntry {
  /** 1..255, lower = more important. */
  id: number;
  /** in = sink on the handler, out = source on the handler. */
  dir: MediaDirection;
  codecs: CodecSpec[];
}

export interface Advertisement {
  entries: AdvertisementEntry[];
}

export const AUDIO_PARAMS = ['sr', 'ch', 'ptime', 'br', 'cbr'] as const;
export const DEFAULT_PTIME = 20;
export { MAX_ENTRY_ID, MAX_PARAM_VALUE, MAX_TOKEN_LENGTH } from './grammar.js';

export class AdvertisementError extends Error {
  /** 0-based character offset in the input. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at ${position}`);
    this.name = 'AdvertisementError';
    this.position = position;
  }
}

function advertisementError(message: string, position: number): AdvertisementError {
  return new AdvertisementError(message, position);
}

/** Parses an advertisement; throws AdvertisementError with the offending offset. */
export function parseAdvertisement(input: string): Advertisement {
  if (typeof input !== 'string') throw new AdvertisementError('advertisement must be a string', 0);
  const c: GrammarCursor = new GrammarCursor(input, advertisementError);
  const entries: AdvertisementEntry[] = [];
  const seen = new Set<string>();
  c.skipSpace();
  if (c.atEnd) c.fail('expected entry id, found end of input');
  while (!c.atEnd) {
    c.skipSpace();
    const idAt = c.pos;
    const id = c.readId('entry id');
    c.skipSpace();
    const dirAt = c.pos;
    const dirWord = c.readName();
    if (dirWord !== 'in' && dirWord !== 'out') {
      c.fail(`expected 'in' or 'out', found ${dirWord ? `'${dirWord}'` : c.describeHere()}`, dirAt);
    }
    const dir: MediaDirection = dirWord;
    const key = `${id} ${dir}`;
    if (seen.has(key)) c.fail(`duplicate entry '${key}'`, idAt);
    seen.add(key);
    c.expectChar(':');
    const codecs: CodecSpec[] = [];
    do {
      c.skipSpace();
      const nameAt = c.pos;
      const name = c.readName();
      if (name === '') {
        c.fail(
          codecs.length === 0
            ? `expected codec name, found ${c.describeHere()}`
            : `expected codec name or entry id, found ${c.describeHere()}`,
        );
      }
      if (codecs.some((x) => x.name === name)) c.fail(`duplicate codec '${name}' in entry '${key}'`, nameAt);
      const params = c.readParams();
      c.skipSpace();
      if (c.input[c.pos] !== ';') c.fail(`expected ',' or ';', found ${c.describeHere()}`);
      c.pos++;
      codecs.push({ name, params });
      c.skipSpace();
    } while (!c.atEnd && !isDigit(c.peek()));
    entries.push({ id, dir, codecs });
  }
  return { entries };
}

export function formatParams(params: Readonly<Record<string, number>>): string {
  let out = '';
  for (const name of Object.keys(params)) out += `,${name}=${params[name]}`;
  return out;
}

export function formatCodecSpec(codec: CodecSpec): string {
  return `${codec.name}${formatParams(codec.params)};`;
}

/** Canonical form: "1 in: opus,sr=48000; PCMU; 1 out: opus;" (values always written out). */
export function formatAdvertisement(ad: Advertisement): string {
  return ad.entries.map((e) => `${e.id} ${e.dir}: ${e.codecs.map(formatCodecSpec).join(' ')}`).join(' ');
}

/** The entries of one direction, most important (lowest id) first. */
export function entriesOf(ad: Advertisement, dir: MediaDirection): AdvertisementEntry[] {
  return ad.entries.filter((e) => e.dir === dir).sort((a, b) => a.id - b.id);
}
