/** RTP-style codec numbers used in directives and in the media frame `codec` byte (profile §7). */
export const CODEC_NUMBERS = {
  PCMU: 0,
  PCMA: 8,
  G722: 9,
  CN: 13,
  'telephone-event': 101,
  opus: 111,
} as const;

export type KnownCodec = keyof typeof CODEC_NUMBERS;

export const KNOWN_CODECS: readonly KnownCodec[] = Object.keys(CODEC_NUMBERS) as KnownCodec[];

/** Codecs that never carry the main audio of a stream; they ride along with a media codec. */
export const SECONDARY_CODECS: readonly KnownCodec[] = ['telephone-event', 'CN'];

const NAME_BY_NUMBER = new Map<number, KnownCodec>(KNOWN_CODECS.map((name) => [CODEC_NUMBERS[name], name]));

export function isKnownCodec(name: string): name is KnownCodec {
  return Object.hasOwn(CODEC_NUMBERS, name);
}

export function isSecondaryCodec(name: string): boolean {
  return (SECONDARY_CODECS as readonly string[]).includes(name);
}

/** A known codec usable as the primary (audio) codec of a stream. */
export function isMediaCodec(name: string): name is KnownCodec {
  return isKnownCodec(name) && !isSecondaryCodec(name);
}

export function codecNumberOf(name: string): number | undefined {
  return isKnownCodec(name) ? CODEC_NUMBERS[name] : undefined;
}

export function codecNameOf(codecNumber: number): KnownCodec | undefined {
  return NAME_BY_NUMBER.get(codecNumber);
}
