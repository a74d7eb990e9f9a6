import type { EdgeTrunk } from '../../contracts/edge-snapshot.js';
import { tgDescription } from './tg-description.js';

const trunk: EdgeTrunk = {
  id: 'trk_8c1f0000000000000000',
  tenantId: 'ten_1',
  name: 'acme-primary',
  destinations: ['+1*', '+44*'],
  codecs: ['opus', 'PCMU', 'PCMA'],
  advertisement: '1 in: opus; PCMU; PCMA; telephone-event; CN; 1 out: opus; PCMU; PCMA; telephone-event; CN;',
  maxConcurrentCalls: 50,
  maxCallsPerSecond: 5,
  state: 'active',
  callerIdRangeIds: null,
  version: 1,
};
const ranges = [
  { id: 'rng_b', tenantId: 'ten_1', start: '+14085550100', end: '+14085550199' },
  { id: 'rng_a', tenantId: 'ten_1', start: '+14085550300', end: '+14085550300' },
];
const urls = { edge: 'https://edge.carrier.example', controlPlane: 'https://api.carrier.example' };

describe('tgDescription', () => {
  it('renders the profile §4 document with links', () => {
    expect(tgDescription(trunk, ranges, urls, { retryBackoffMs: 2000, mediaTimeoutMs: 5000 })).toEqual({
      uri: 'https://edge.carrier.example/ript/v1/tgs/trk_8c1f0000000000000000',
      name: 'acme-primary',
      outbound: { origins: ['+14085550100-+14085550199', '+14085550300'], destinations: ['+1*', '+44*'] },
      limits: { 'max-concurrent-calls': 50, 'max-calls-per-second': 5 },
      advertisement: trunk.advertisement,
      'retry-backoff': 2000,
      'media-timeout': 5000,
      links: {
        handlers: 'https://edge.carrier.example/ript/v1/tgs/trk_8c1f0000000000000000/handlers',
        calls: 'https://edge.carrier.example/ript/v1/tgs/trk_8c1f0000000000000000/calls',
        consumertgs: 'https://api.carrier.example/ript/v1/providertgs/trk_8c1f0000000000000000/consumertgs',
        certs: 'https://api.carrier.example/ript/v1/providertgs/trk_8c1f0000000000000000/certs',
      },
    });
  });

  it('limits origins to the caller-ID ranges the trunk names', () => {
    const doc = tgDescription({ ...trunk, callerIdRangeIds: ['rng_a'] }, ranges, urls, {
      retryBackoffMs: 1,
      mediaTimeoutMs: 1,
    });
    expect(doc.outbound.origins).toEqual(['+14085550300']);
  });
});
