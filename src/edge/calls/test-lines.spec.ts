import { decodeAlaw, decodeUlaw, detectTone } from '@riptrunk/sdk';
import { testLineFor, tonePayload } from './test-lines.js';

describe('provider test lines', () => {
  it('maps the test numbers, and the rest of +1555010xxxx as unassigned', () => {
    expect(testLineFor('+15550100001')).toBe('echo');
    expect(testLineFor('+15550100002')).toBe('tone');
    expect(testLineFor('+15550100003')).toBe('declined');
    expect(testLineFor('+15550100004')).toBe('unassigned');
    expect(testLineFor('+15550109999')).toBe('unassigned');
    expect(testLineFor('+15550110001')).toBeNull();
    expect(testLineFor('+155501000011')).toBeNull();
    expect(testLineFor('+14085550100')).toBeNull();
  });

  it('plays a 1 kHz tone in 160-sample G.711 frames', () => {
    const ulaw = tonePayload(0);
    expect(ulaw).toHaveLength(160);
    expect(tonePayload(0)).toBe(ulaw); // computed once
    const pcm = decodeUlaw(Buffer.concat([ulaw, ulaw]));
    expect(detectTone(pcm, 8000, 1000)).toBeGreaterThan(0.95);
    expect(detectTone(pcm, 8000, 800)).toBeLessThan(0.05);
    expect(detectTone(decodeAlaw(tonePayload(8)), 8000, 1000)).toBeGreaterThan(0.95);
    expect(() => tonePayload(111)).toThrow(/cannot play/);
  });
});
