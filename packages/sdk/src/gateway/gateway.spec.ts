import type { TgDescriptionDoc } from '../riptrunk-client.js';
import { consumerTgOptions, DEFAULT_GATEWAY_MAX_CALLS } from './gateway.js';

describe('consumerTgOptions', () => {
  const tg = { uri: 'https://edge.example/ript/v1/tgs/trk_1', name: 'trk_1' } as unknown as TgDescriptionDoc;
  const inbound = { cert: 'CERT', key: 'KEY', port: 45002 };

  it("takes the gateway's call limit as the consumer TG's, not the SDK server's default of 100", () => {
    const o = consumerTgOptions({ inbound, egress: ['+44*'] }, tg);
    expect(o).toMatchObject({ maxConcurrentCalls: DEFAULT_GATEWAY_MAX_CALLS, tg, destinations: ['+44*'], port: 45002 });
    expect(DEFAULT_GATEWAY_MAX_CALLS).toBe(2000);
    expect(consumerTgOptions({ inbound, egress: ['+44*'], maxCalls: 600 }, tg).maxConcurrentCalls).toBe(600);
  });

  it('keeps a limit the inbound options set, and refuses egress without them', () => {
    const o = consumerTgOptions(
      { inbound: { ...inbound, maxConcurrentCalls: 50 }, egress: ['+44*'], maxCalls: 600 },
      tg,
    );
    expect(o.maxConcurrentCalls).toBe(50);
    expect(() => consumerTgOptions({ egress: ['+44*'] }, tg)).toThrow(/egress needs the consumer TG server options/);
  });
});
