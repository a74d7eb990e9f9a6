import { parseSipListen, parseSipPeer } from './sip-addresses.js';

describe('gateway SIP addresses (the --sip-listen and --sip-peer flags)', () => {
  it('reads one listener per transport', () => {
    expect(parseSipListen('udp:0.0.0.0:5060,tcp:10.0.0.1:5061')).toEqual([
      { transport: 'udp', host: '0.0.0.0', port: 5060 },
      { transport: 'tcp', host: '10.0.0.1', port: 5061 },
    ]);
    expect(parseSipListen('UDP:[::1]:5060')).toEqual([{ transport: 'udp', host: '::1', port: 5060 }]);
  });

  it('refuses what is not a listener', () => {
    for (const bad of ['udp:5060', 'sctp:1.2.3.4:5060', 'udp:1.2.3.4:0', 'udp:1.2.3.4:70000', 'udp:a:1,udp:b:2']) {
      expect(() => parseSipListen(bad)).toThrow(/--sip-listen/);
    }
  });

  it('reads the peer, UDP unless it says TCP', () => {
    expect(parseSipPeer('sip:10.0.0.5:5060')).toEqual({ transport: 'udp', host: '10.0.0.5', port: 5060 });
    expect(parseSipPeer('sip:core.example:5070;transport=tcp')).toEqual({
      transport: 'tcp',
      host: 'core.example',
      port: 5070,
    });
    for (const bad of ['10.0.0.5:5060', 'sip:10.0.0.5', 'sip:10.0.0.5:5060;transport=tls', 'sips:a:1']) {
      expect(() => parseSipPeer(bad)).toThrow(/--sip-peer/);
    }
  });
});
