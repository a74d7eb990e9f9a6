import { parseAdvertisement } from '@riptrunk/ript';
import { ALWAYS_ON_CODECS, trunkAdvertisement, TRUNK_CODECS } from './trunk-advertisement.js';

describe('trunkAdvertisement', () => {
  it('renders one entry each way with the codecs in order, then telephone-event and CN', () => {
    expect(trunkAdvertisement(['PCMU', 'PCMA'])).toBe(
      '1 in: PCMU; PCMA; telephone-event; CN; 1 out: PCMU; PCMA; telephone-event; CN;',
    );
    expect(trunkAdvertisement(['opus'])).toBe('1 in: opus; telephone-event; CN; 1 out: opus; telephone-event; CN;');
  });

  it('keeps the preference order it is given', () => {
    expect(trunkAdvertisement(['G722', 'opus', 'PCMA', 'PCMU'])).toBe(
      '1 in: G722; opus; PCMA; PCMU; telephone-event; CN; 1 out: G722; opus; PCMA; PCMU; telephone-event; CN;',
    );
  });

  it('produces what the advertisement parser reads back', () => {
    const ad = parseAdvertisement(trunkAdvertisement([...TRUNK_CODECS]));
    expect(ad.entries.map((e) => `${e.id} ${e.dir}`)).toEqual(['1 in', '1 out']);
    for (const entry of ad.entries) {
      expect(entry.codecs.map((c) => c.name)).toEqual([...TRUNK_CODECS, ...ALWAYS_ON_CODECS]);
      expect(entry.codecs.every((c) => Object.keys(c.params).length === 0)).toBe(true);
    }
  });

  it('refuses an empty codec list', () => {
    expect(() => trunkAdvertisement([])).toThrow();
  });
});
