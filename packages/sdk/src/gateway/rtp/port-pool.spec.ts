import * as sdk from '../index.js';
import { parsePortRange, PortPool, PortPoolExhaustedError, PortRangeError } from './port-pool.js';

describe('parsePortRange', () => {
  it('reads LOW-HIGH', () => {
    expect(parsePortRange('20000-29999')).toEqual({ min: 20000, max: 29999 });
    expect(parsePortRange(' 41000 - 41009 ')).toEqual({ min: 41000, max: 41009 });
    expect(parsePortRange('41001-41003')).toEqual({ min: 41001, max: 41003 });
  });

  it('explains what is wrong', () => {
    expect(() => parsePortRange('20000')).toThrow(/must look like 20000-29999, got '20000'/);
    expect(() => parsePortRange('a-b')).toThrow(PortRangeError);
    expect(() => parsePortRange('20000-')).toThrow(PortRangeError);
    expect(() => parsePortRange('80-1000')).toThrow(/within 1024-65535/);
    expect(() => parsePortRange('60000-70000')).toThrow(/within 1024-65535/);
    expect(() => parsePortRange('30000-20000')).toThrow(/low to high/);
    expect(() => parsePortRange('20000-20000')).toThrow(/low to high/);
    expect(() => parsePortRange('20001-20002')).toThrow(/no even RTP port/);
  });
});

describe('PortPool', () => {
  it('hands out even RTP ports with RTCP above, never twice, until full', () => {
    const pool = new PortPool('41000-41009');
    expect(pool.capacity).toBe(5);
    const leases = [1, 2, 3, 4, 5].map(() => pool.allocate());
    expect(leases.map((l) => [l.rtpPort, l.rtcpPort])).toEqual([
      [41000, 41001],
      [41002, 41003],
      [41004, 41005],
      [41006, 41007],
      [41008, 41009],
    ]);
    expect(pool.available).toBe(0);
    expect(() => pool.allocate()).toThrow(PortPoolExhaustedError);
    expect(() => pool.allocate()).toThrow(/no free RTP port pair in 41000-41009 \(all 5 in use\)/);
  });

  it('takes a released pair back, and hands it out last', () => {
    const pool = new PortPool({ min: 41001, max: 41007 }); // odd bounds: pairs 41002, 41004, 41006
    expect(pool.capacity).toBe(3);
    const a = pool.allocate();
    const b = pool.allocate();
    expect([a.rtpPort, b.rtpPort]).toEqual([41002, 41004]);
    a.release();
    a.release(); // idempotent: does not free someone else's pair
    expect(pool.inUse).toBe(1);
    expect(pool.allocate().rtpPort).toBe(41006);
    expect(pool.allocate().rtpPort).toBe(41002);
    expect(() => pool.allocate()).toThrow(PortPoolExhaustedError);
    b.release();
    expect(pool.isLeased(41004)).toBe(false);
    expect(pool.allocate().rtpPort).toBe(41004);
  });

  it('keeps every lease distinct under churn', () => {
    const pool = new PortPool('41100-41199');
    const live = new Map<number, { release(): void }>();
    for (let i = 0; i < 2000; i++) {
      if (live.size === pool.capacity || (live.size > 0 && i % 3 === 0)) {
        const [port, lease] = live.entries().next().value!;
        lease.release();
        live.delete(port);
      } else {
        const lease = pool.allocate();
        expect(live.has(lease.rtpPort)).toBe(false);
        expect(lease.rtpPort % 2).toBe(0);
        live.set(lease.rtpPort, lease);
      }
      expect(pool.inUse).toBe(live.size);
    }
  });

  it('rejects a bad range object and is exported', () => {
    expect(() => new PortPool({ min: 5000, max: 4000 })).toThrow(PortRangeError);
    expect(sdk.PortPool).toBe(PortPool);
  });
});
