import { MAX_BLOCK_SIZE, splitIntoBlocks, type NumberBlock } from './number-blocks.js';

/** Every number of the blocks, checked to be contiguous from `start`, and how many there are. */
function total(blocks: NumberBlock[], start: string): number {
  let next = Number(start.slice(1));
  for (const b of blocks) {
    expect(Number(b.start.slice(1))).toBe(next);
    expect(b.count).toBeGreaterThanOrEqual(1);
    expect(b.count).toBeLessThanOrEqual(MAX_BLOCK_SIZE);
    next += b.count;
  }
  return next - Number(start.slice(1));
}

describe('splitIntoBlocks', () => {
  it('keeps a range of one number as one block', () => {
    expect(splitIntoBlocks([{ start: '+14085550100', end: '+14085550100' }])).toEqual([
      { start: '+14085550100', count: 1 },
    ]);
  });

  it('keeps a range of exactly 65,535 numbers as one block', () => {
    expect(splitIntoBlocks([{ start: '+14085500000', end: '+14085565534' }])).toEqual([
      { start: '+14085500000', count: 65_535 },
    ]);
  });

  it('splits a range of 65,536 numbers into 65,535 + 1', () => {
    expect(splitIntoBlocks([{ start: '+14085500000', end: '+14085565535' }])).toEqual([
      { start: '+14085500000', count: 65_535 },
      { start: '+14085565535', count: 1 },
    ]);
  });

  it('splits a range of 10,000,000 numbers into 153 blocks covering it exactly', () => {
    const blocks = splitIntoBlocks([{ start: '+442070000000', end: '+442079999999' }]);
    expect(blocks).toHaveLength(Math.ceil(10_000_000 / 65_535));
    expect(blocks).toHaveLength(153);
    expect(blocks.slice(0, 152).every((b) => b.count === 65_535)).toBe(true);
    expect(blocks[152]).toEqual({ start: `+${442070000000 + 152 * 65_535}`, count: 10_000_000 - 152 * 65_535 });
    expect(blocks[152].start).toBe('+442079961320');
    expect(total(blocks, '+442070000000')).toBe(10_000_000);
    expect(blocks.every((b) => b.start.length === '+442070000000'.length)).toBe(true);
  });

  it('keeps the ranges in the order given, never merging adjacent ones', () => {
    const blocks = splitIntoBlocks([
      { start: '+14085550200', end: '+14085550299' },
      { start: '+14085550100', end: '+14085550199' },
    ]);
    expect(blocks).toEqual([
      { start: '+14085550200', count: 100 },
      { start: '+14085550100', count: 100 },
    ]);
    expect(splitIntoBlocks([])).toEqual([]);
  });

  it('honours a smaller block size', () => {
    expect(splitIntoBlocks([{ start: '+14085550100', end: '+14085550109' }], 4)).toEqual([
      { start: '+14085550100', count: 4 },
      { start: '+14085550104', count: 4 },
      { start: '+14085550108', count: 2 },
    ]);
  });

  it('refuses what is not a range of canonical numbers', () => {
    expect(() => splitIntoBlocks([{ start: '+14085550199', end: '+14085550100' }])).toThrow(RangeError);
    expect(() => splitIntoBlocks([{ start: '14085550100', end: '14085550199' }])).toThrow(RangeError);
    expect(() => splitIntoBlocks([{ start: '+1408555010', end: '+14085550100' }])).toThrow(RangeError);
    expect(() => splitIntoBlocks([{ start: '+14085550100', end: '+14085550100' }], 0)).toThrow(RangeError);
  });
});
