import { computeDirectives, parseAdvertisement } from '@riptrunk/ript';
import { relayAdvertisement } from './onnet-leg.js';

describe('relayAdvertisement', () => {
  const caller = computeDirectives(
    parseAdvertisement('1 in: opus; PCMU; telephone-event; 1 out: PCMA; PCMU; telephone-event;'),
    parseAdvertisement('1 in: PCMU; PCMA; telephone-event; 1 out: PCMU; telephone-event;'),
    { secondaryCodecs: true },
  );

  it('offers the callee exactly the codecs negotiated with the caller, one entry per stream', () => {
    expect(caller.clientDirectives).toBe('1 to 1: PCMA,ptime=20; 1 to 1: telephone-event;');
    expect(relayAdvertisement(caller)).toBe(
      '1 out: PCMA,ptime=20; telephone-event; 1 in: PCMU,ptime=20; telephone-event;',
    );
  });

  it('is an advertisement the callee parses, and its directives keep the caller codecs', () => {
    const ad = parseAdvertisement(relayAdvertisement(caller));
    const callee = computeDirectives(ad, parseAdvertisement('1 in: opus; PCMA; PCMU; 1 out: opus; PCMU; PCMA;'));
    expect(callee.client.map((d) => [d.source, d.codec])).toEqual([[1, 'PCMA']]);
    expect(callee.server.map((d) => [d.sink, d.codec])).toEqual([[1, 'PCMU']]);
  });

  it('numbers several streams 1.. in the caller order', () => {
    const two = computeDirectives(
      parseAdvertisement('1 out: PCMU; 2 out: PCMA; 1 in: PCMU;'),
      parseAdvertisement('1 in: PCMU; PCMA; 2 in: PCMA; 1 out: PCMU;'),
    );
    expect(relayAdvertisement(two)).toBe('1 out: PCMU,ptime=20; 2 out: PCMA,ptime=20; 1 in: PCMU,ptime=20;');
  });
});
