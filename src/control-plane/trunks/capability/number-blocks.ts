import { isE164 } from '@riptrunk/ript';

/**
 * Splitting number ranges into the `number-range` entries of an ietf-sip-auto-peering capability set. The model's
 * `count` is a uint16 that must be non-zero, so one entry of type `range` covers at most 65,535 numbers.
 */

/** The most numbers one `number-range` entry can carry (`count` is a uint16, and 0 is not allowed). */
export const MAX_BLOCK_SIZE = 65_535;

/** `index` is a uint16 too: a document holds at most this many `number-range` entries. */
export const MAX_BLOCKS = 65_536;

/** An inclusive range of canonical E.164 numbers ("+14085550100"), as stored for a tenant. */
export interface E164Range {
  start: string;
  end: string;
}

/** A run of consecutive numbers: the first one (canonical E.164) and how many. */
export interface NumberBlock {
  start: string;
  count: number;
}

/** An E.164 number's digits as an integer: at most 15 digits, so exact in a double. */
function valueOf(e164: string): number {
  if (!isE164(e164)) throw new RangeError(`not a canonical E.164 number: ${e164}`);
  return Number(e164.slice(1));
}

/**
 * Splits each range into blocks of at most `maxBlockSize` numbers, in the order given. A block never crosses a
 * range's end, and never changes the number's length (ranges never do, and the blocks are within them).
 */
export function splitIntoBlocks(ranges: readonly E164Range[], maxBlockSize = MAX_BLOCK_SIZE): NumberBlock[] {
  if (!Number.isSafeInteger(maxBlockSize) || maxBlockSize < 1) throw new RangeError('maxBlockSize must be >= 1');
  const blocks: NumberBlock[] = [];
  for (const range of ranges) {
    const first = valueOf(range.start);
    const last = valueOf(range.end);
    if (range.start.length !== range.end.length || last < first) {
      throw new RangeError(`not a range: ${range.start} to ${range.end}`);
    }
    for (let at = first; at <= last; at += maxBlockSize) {
      blocks.push({ start: `+${at}`, count: Math.min(maxBlockSize, last - at + 1) });
    }
  }
  return blocks;
}
