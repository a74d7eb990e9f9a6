import type { EdgeRange, EdgeTrunk } from '../../contracts/edge-snapshot.js';
import { etagOfDocument } from '@riptrunk/ript';
import { tgDescription } from './tg-description.js';
import type { EdgeConfigStore } from './edge-config.store.js';
import { TgDescriptionCache } from './tg-description.cache.js';

const trunk: EdgeTrunk = {
  id: 'trk_8c1f0000000000000000',
  tenantId: 'ten_1',
  name: 'acme-primary',
  destinations: ['+1*'],
  codecs: ['opus'],
  advertisement: '1 in: opus; 1 out: opus;',
  maxConcurrentCalls: 50,
  maxCallsPerSecond: 5,
  state: 'active',
  callerIdRangeIds: null,
  version: 1,
};
const urls = { edge: 'https://edge.carrier.example', controlPlane: 'https://api.carrier.example' };

function fakeStore() {
  const store = {
    revision: 1,
    ranges: [{ id: 'rng_a', tenantId: 'ten_1', start: '+14085550100', end: '+14085550199' }] as EdgeRange[],
    settings: { retryBackoffMs: 2000, mediaTimeoutMs: 5000 },
    rangesOf: () => store.ranges,
  };
  return store;
}

describe('TgDescriptionCache', () => {
  it('renders the description and its ETag once, as the controller used to per request', () => {
    const store = fakeStore();
    const cache = new TgDescriptionCache(store as unknown as EdgeConfigStore, urls);
    const doc = tgDescription(trunk, store.ranges, urls, store.settings);
    const first = cache.get(trunk);
    expect(first.json).toBe(JSON.stringify(doc));
    expect(first.etag).toBe(etagOfDocument(doc));
    expect(cache.get(trunk)).toBe(first);
  });

  it('renders again when the store applied a change', () => {
    const store = fakeStore();
    const cache = new TgDescriptionCache(store as unknown as EdgeConfigStore, urls);
    const before = cache.get(trunk);
    const changed = { ...trunk, maxConcurrentCalls: 7 };
    store.ranges = [...store.ranges, { id: 'rng_b', tenantId: 'ten_1', start: '+14085550300', end: '+14085550300' }];
    store.revision++;
    const after = cache.get(changed);
    expect(JSON.parse(after.json)).toMatchObject({
      limits: { 'max-concurrent-calls': 7 },
      outbound: { origins: ['+14085550100-+14085550199', '+14085550300'] },
    });
    expect(after.etag).not.toBe(before.etag);
  });

  it('never answers from an entry rendered from other objects than the current ones', () => {
    const store = fakeStore();
    const cache = new TgDescriptionCache(store as unknown as EdgeConfigStore, urls);
    cache.get(trunk);
    store.settings = { retryBackoffMs: 1000, mediaTimeoutMs: 5000 };
    expect(JSON.parse(cache.get(trunk).json)['retry-backoff']).toBe(1000);
    expect(JSON.parse(cache.get({ ...trunk, name: 'renamed' }).json).name).toBe('renamed');
  });
});
