import { formatAdvertisement, type CodecSpec } from '@riptrunk/ript';

/** Media codecs an operator may choose for a trunk, in no particular order. */
export const TRUNK_CODECS = ['PCMU', 'PCMA', 'opus', 'G722'] as const;
export type TrunkCodec = (typeof TRUNK_CODECS)[number];

/** Codecs every trunk carries after its media codecs; not configurable. */
export const ALWAYS_ON_CODECS = ['telephone-event', 'CN'] as const;

export const DEFAULT_TRUNK_CODECS: readonly TrunkCodec[] = ['opus', 'PCMU', 'PCMA'];

/**
 * The TG's advertisement (profile §4/§5): one stream each way with the trunk's codecs in preference order, then
 * telephone-event and CN, e.g. "1 in: PCMU; PCMA; telephone-event; CN; 1 out: PCMU; PCMA; telephone-event; CN;".
 * No parameters: the TG sets no maxima beyond the codecs' own.
 */
export function trunkAdvertisement(codecs: readonly string[]): string {
  if (codecs.length === 0) throw new Error('a trunk needs at least one codec');
  const specs: CodecSpec[] = [...codecs, ...ALWAYS_ON_CODECS].map((name) => ({ name, params: {} }));
  return formatAdvertisement({
    entries: [
      { id: 1, dir: 'in', codecs: specs },
      { id: 1, dir: 'out', codecs: specs.map((c) => ({ ...c })) },
    ],
  });
}
