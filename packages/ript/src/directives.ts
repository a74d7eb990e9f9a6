/**
 * Directive computation (profile §5): "<src> to <sink>: <codec>[,param=value...];".
 *
 * The TG's advertisement uses the same ids and directions from the server's side: "in" = sink on
 * the server, "out" = source on the server. A plain codec list stands for "1 in: <list>; 1 out: <list>;".
 * - client directives: handler sources ("out" entries) -> server sinks (TG "in" entries);
 * - server directives: server sources (TG "out" entries) -> handler sinks ("in" entries).
 * Pairing: handler entries are taken most important first (lowest id); each is paired with the
 * most important not yet used TG entry that shares a media codec. Handler entries left without a
 * partner get no directive; if a direction in which the handler has entries gets no directive at
 * all, NoCommonCodecError names the handler's most important entry of that direction.
 * Codec: the first codec in the handler entry's order that the TG entry also lists and that has a
 * frame codec number, excluding telephone-event and CN. Params: the union of both sides; min of
 * both maxima where both give one, else the one given; ptime is always present (default 20).
 * With `secondaryCodecs`, telephone-event and CN get an extra directive on the same pair when
 * both sides list them (params merged the same way, no default ptime).
 */
import {
  DEFAULT_PTIME,
  entriesOf,
  formatParams,
  type Advertisement,
  type AdvertisementEntry,
  type CodecSpec,
  type MediaDirection,
} from './advertisement.js';
import { codecNumberOf, isMediaCodec, isSecondaryCodec } from './codecs.js';
import { GrammarCursor } from './grammar.js';

export interface Directive {
  source: number;
  sink: number;
  codec: string;
  /** RTP-style number, as in the frame `codec` byte. */
  codecNumber: number;
  params: Record<string, number>;
}

export interface DirectiveSet {
  /** What the client sends: handler source -> server sink. */
  clientDirectives: string;
  /** What the server sends: server source -> handler sink. */
  serverDirectives: string;
  client: Directive[];
  server: Directive[];
}

export interface ComputeDirectivesOptions {
  /** Also emit telephone-event / CN directives on each pair when both sides list them. */
  secondaryCodecs?: boolean;
}

/** What the TG allows: its advertisement, or a list of codec names / specs. */
export type TgAllowed = Advertisement | readonly (string | CodecSpec)[];

export class NoCommonCodecError extends Error {
  /** The handler entry that could not be served. */
  readonly entry: { id: number; dir: MediaDirection };
  constructor(entry: AdvertisementEntry, tgCodecs: readonly string[]) {
    const offered = entry.codecs.map((c) => c.name).join(', ');
    super(
      `no common codec for handler entry '${entry.id} ${entry.dir}' (handler: ${offered}; trunk: ${
        tgCodecs.length ? tgCodecs.join(', ') : 'none'
      })`,
    );
    this.name = 'NoCommonCodecError';
    this.entry = { id: entry.id, dir: entry.dir };
  }
}

export class DirectiveError extends Error {
  /** 0-based character offset in the input. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at ${position}`);
    this.name = 'DirectiveError';
    this.position = position;
  }
}

function toTgAdvertisement(tg: TgAllowed): Advertisement {
  if (!Array.isArray(tg)) return tg as Advertisement;
  const codecs: CodecSpec[] = (tg as readonly (string | CodecSpec)[]).map((c) =>
    typeof c === 'string' ? { name: c, params: {} } : c,
  );
  return {
    entries: [
      { id: 1, dir: 'in', codecs },
      { id: 1, dir: 'out', codecs },
    ],
  };
}

/** Merged params: min of both maxima, else the side that has one. */
export function mergeParams(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(a)) {
    out[name] = Object.hasOwn(b, name) ? Math.min(a[name], b[name]) : a[name];
  }
  for (const name of Object.keys(b)) {
    if (!Object.hasOwn(out, name)) out[name] = b[name];
  }
  return out;
}

function mediaDirective(
  source: number,
  sink: number,
  handlerEntry: AdvertisementEntry,
  tgEntry: AdvertisementEntry,
): Directive | null {
  for (const h of handlerEntry.codecs) {
    if (!isMediaCodec(h.name)) continue;
    const t = tgEntry.codecs.find((c) => c.name === h.name);
    if (!t) continue;
    const params = mergeParams(h.params, t.params);
    if (!Object.hasOwn(params, 'ptime')) params.ptime = DEFAULT_PTIME;
    return { source, sink, codec: h.name, codecNumber: codecNumberOf(h.name)!, params };
  }
  return null;
}

function secondaryDirectives(
  source: number,
  sink: number,
  handlerEntry: AdvertisementEntry,
  tgEntry: AdvertisementEntry,
): Directive[] {
  const out: Directive[] = [];
  for (const h of handlerEntry.codecs) {
    if (!isSecondaryCodec(h.name)) continue;
    const t = tgEntry.codecs.find((c) => c.name === h.name);
    if (t)
      out.push({
        source,
        sink,
        codec: h.name,
        codecNumber: codecNumberOf(h.name)!,
        params: mergeParams(h.params, t.params),
      });
  }
  return out;
}

/** Directives for one direction; `handlerIsSource` says which side sends. */
function pairUp(
  handlerEntries: AdvertisementEntry[],
  tgEntries: AdvertisementEntry[],
  handlerIsSource: boolean,
  options: ComputeDirectivesOptions,
): Directive[] {
  const directives: Directive[] = [];
  const used = new Set<AdvertisementEntry>();
  for (const h of handlerEntries) {
    for (const t of tgEntries) {
      if (used.has(t)) continue;
      const source = handlerIsSource ? h.id : t.id;
      const sink = handlerIsSource ? t.id : h.id;
      const primary = mediaDirective(source, sink, h, t);
      if (!primary) continue;
      used.add(t);
      directives.push(primary);
      if (options.secondaryCodecs) directives.push(...secondaryDirectives(source, sink, h, t));
      break;
    }
  }
  if (handlerEntries.length > 0 && directives.length === 0) {
    const tgCodecs = [...new Set(tgEntries.flatMap((e) => e.codecs.map((c) => c.name)))];
    throw new NoCommonCodecError(handlerEntries[0], tgCodecs);
  }
  return directives;
}

/**
 * Computes the client and server directives for a handler against what the TG allows.
 * Throws NoCommonCodecError (see the module comment for the rules).
 */
export function computeDirectives(
  handler: Advertisement,
  tg: TgAllowed,
  options: ComputeDirectivesOptions = {},
): DirectiveSet {
  const tgAd = toTgAdvertisement(tg);
  const client = pairUp(entriesOf(handler, 'out'), entriesOf(tgAd, 'in'), true, options);
  const server = pairUp(entriesOf(handler, 'in'), entriesOf(tgAd, 'out'), false, options);
  return { clientDirectives: formatDirectives(client), serverDirectives: formatDirectives(server), client, server };
}

export function formatDirective(d: Directive): string {
  return `${d.source} to ${d.sink}: ${d.codec}${formatParams(d.params)};`;
}

/** "1 to 1: opus,ptime=20; 2 to 1: PCMU,ptime=20;" ('' for none). */
export function formatDirectives(directives: readonly Directive[]): string {
  return directives.map(formatDirective).join(' ');
}

function directiveError(message: string, position: number): DirectiveError {
  return new DirectiveError(message, position);
}

/**
 * Parses a directives string (whitespace-insensitive, '' or blank = none) back into the
 * structured form. Codecs without a frame codec number are rejected; a bare param means 1.
 */
export function parseDirectives(input: string): Directive[] {
  if (typeof input !== 'string') throw new DirectiveError('directives must be a string', 0);
  const c: GrammarCursor = new GrammarCursor(input, directiveError);
  const out: Directive[] = [];
  c.skipSpace();
  while (!c.atEnd) {
    const source = c.readId('source id');
    c.skipSpace();
    const toAt = c.pos;
    if (input.startsWith('to', toAt) && !/[A-Za-z]/.test(input.charAt(toAt + 2))) {
      c.pos += 2;
    } else {
      const word = c.readName();
      c.fail(`expected 'to', found ${word ? `'${word}'` : c.describeHere()}`, toAt);
    }
    const sink = c.readId('sink id');
    c.expectChar(':');
    c.skipSpace();
    const codecAt = c.pos;
    const codec = c.readName();
    if (codec === '') c.fail(`expected codec name, found ${c.describeHere()}`);
    const codecNumber = codecNumberOf(codec);
    if (codecNumber === undefined) c.fail(`unknown codec '${codec}'`, codecAt);
    const params = c.readParams();
    c.skipSpace();
    if (c.input[c.pos] !== ';') c.fail(`expected ',' or ';', found ${c.describeHere()}`);
    c.pos++;
    out.push({ source, sink, codec, codecNumber, params });
    c.skipSpace();
  }
  return out;
}
