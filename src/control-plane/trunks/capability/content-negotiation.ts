/**
 * The media type of a capability set document. RFC 10006 (section 4.4) says the server sets `application/json`
 * and specifies no negotiation, so that is the default; a RESTCONF-minded client that asks for RFC 8040's
 * `application/yang-data+json` (the registered type of RFC 7951 JSON) gets that label on the same bytes.
 */
export const JSON_TYPE = 'application/json';
export const YANG_DATA_JSON_TYPE = 'application/yang-data+json';

/** Offered in order of preference: on a tie the first wins. */
const OFFERED = [JSON_TYPE, YANG_DATA_JSON_TYPE] as const;
export type CapabilityMediaType = (typeof OFFERED)[number];

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .flatMap((part) => {
      const [range, ...params] = part.split(';').map((p) => p.trim());
      const [type, subtype] = range.toLowerCase().split('/');
      if (!type || !subtype) return [];
      let q = 1;
      for (const param of params) {
        const [name, value] = param.split('=').map((p) => p.trim());
        if (name?.toLowerCase() === 'q') q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value ?? '') ? Number(value) : 0;
      }
      return [{ type, subtype, q }];
    });
}

/** The q an Accept header gives a media type: that of the most specific range matching it, else 0. */
function qualityOf(ranges: MediaRange[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  let best: { specificity: number; q: number } | undefined;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype ? 3 : r.type === type && r.subtype === '*' ? 2 : r.type === '*' ? 1 : 0;
    if (specificity && (!best || specificity > best.specificity)) best = { specificity, q: r.q };
  }
  return best?.q ?? 0;
}

/** The media type to answer with, or null when the Accept header allows neither (406). */
export function negotiateCapabilityType(accept: string | undefined): CapabilityMediaType | null {
  if (!accept?.trim()) return JSON_TYPE;
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return JSON_TYPE;
  let chosen: CapabilityMediaType | null = null;
  let chosenQ = 0;
  for (const offered of OFFERED) {
    const q = qualityOf(ranges, offered);
    if (q > chosenQ) [chosen, chosenQ] = [offered, q];
  }
  return chosen;
}
