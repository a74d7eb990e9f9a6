import * as ript from './index.js';
import {
  decodeTelephoneEvent,
  decodeTelephoneEvents,
  dtmfEventOf,
  dtmfOf,
  encodeTelephoneEvent,
  TelephoneEventError,
} from './rfc4733.js';

describe('RFC 4733 telephone-event', () => {
  it('encodes the §2.3 layout', () => {
    expect(encodeTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 }).toString('hex')).toBe('058a0320');
    expect(encodeTelephoneEvent({ event: 11, end: false, volume: 63, duration: 65535 }).toString('hex')).toBe(
      '0b3fffff',
    );
  });

  it('decodes single and redundant payloads (R bit ignored)', () => {
    expect(decodeTelephoneEvent(Buffer.from('05ca0320', 'hex'))).toEqual({
      event: 5,
      end: true,
      volume: 10,
      duration: 800,
    });
    const two = Buffer.concat([
      encodeTelephoneEvent({ event: 1, end: true, volume: 7, duration: 1600 }),
      encodeTelephoneEvent({ event: 2, end: false, volume: 7, duration: 160 }),
    ]);
    expect(decodeTelephoneEvents(two).map((e) => e.event)).toEqual([1, 2]);
    expect(decodeTelephoneEvent(two).event).toBe(2);
  });

  it('rejects malformed payloads and fields', () => {
    expect(() => decodeTelephoneEvent(Buffer.alloc(0))).toThrow(TelephoneEventError);
    expect(() => decodeTelephoneEvent(Buffer.alloc(6))).toThrow(/multiple of 4 bytes, got 6/);
    expect(() => encodeTelephoneEvent({ event: 256, end: false, volume: 0, duration: 0 })).toThrow(RangeError);
    expect(() => encodeTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 })).toThrow(RangeError);
    expect(() => encodeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 65536 })).toThrow(RangeError);
  });

  it('names DTMF digits', () => {
    expect([0, 9, 10, 11, 12, 15, 16].map(dtmfOf)).toEqual(['0', '9', '*', '#', 'A', 'D', null]);
    expect(dtmfEventOf('#')).toBe(11);
    expect(dtmfEventOf('d')).toBe(15);
    expect(() => dtmfEventOf('E')).toThrow(RangeError);
    expect(() => dtmfEventOf('12')).toThrow(RangeError);
    expect(ript.decodeTelephoneEvent).toBe(decodeTelephoneEvent);
  });
});
