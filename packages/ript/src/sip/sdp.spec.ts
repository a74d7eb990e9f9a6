import { parseAdvertisement } from '../advertisement.js';
import { parseDirectives } from '../directives.js';
import * as ript from './index.js';
import {
  advertisementToSdpCodecs,
  answerDirection,
  buildSdp,
  directivesToSdpCodecs,
  negotiateSdp,
  parseSdp,
  SdpError,
  sdpCodecsToAdvertisement,
  sdpCodecOf,
  type SdpMedia,
} from './sdp.js';

function sdpError(fn: () => unknown): SdpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SdpError) return e;
    throw e;
  }
  throw new Error('expected an SdpError');
}

/** An offer as sipp's uac_pcap scenario and common SBCs write it. */
const SIPP_OFFER = [
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 10.0.0.7',
  's=-',
  'c=IN IP4 10.0.0.7',
  't=0 0',
  'm=audio 6000 RTP/AVP 8 0 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-11,16',
  '',
].join('\r\n');

describe('SDP build', () => {
  it('writes an offer with the profile §7 payload types, rtpmaps, fmtp, ptime and direction', () => {
    const sdp = buildSdp({
      address: '192.0.2.10',
      port: 20000,
      codecs: ['opus', 'PCMU', 'PCMA', 'G722', 'telephone-event', 'CN'],
      ptime: 20,
      sessionId: '42',
      sessionVersion: 3,
    });
    const lines = sdp.split('\r\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'v=0',
        'o=riptrunk 42 3 IN IP4 192.0.2.10',
        'c=IN IP4 192.0.2.10',
        't=0 0',
        'm=audio 20000 RTP/AVP 111 0 8 9 101 13',
        'a=rtpmap:111 opus/48000/2',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=rtpmap:13 CN/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=sendrecv',
      ]),
    );
    expect(sdp.endsWith('\r\n')).toBe(true);
  });

  it('writes hold directions and IPv6', () => {
    const sdp = buildSdp({ address: '2001:db8::1', port: 30000, codecs: ['PCMU'], direction: 'sendonly', ptime: 30 });
    expect(sdp).toContain('c=IN IP6 2001:db8::1\r\n');
    expect(sdp).toContain('a=sendonly\r\n');
    expect(sdp).toContain('a=ptime:30\r\n');
    const parsed = parseSdp(sdp);
    expect(parsed).toMatchObject({ address: '2001:db8::1', port: 30000, direction: 'sendonly', ptime: 30 });
  });

  it('writes a=rtcp only when RTCP is not on port + 1', () => {
    const apart = buildSdp({ address: '127.0.0.1', port: 40000, rtcpPort: 40123, codecs: ['PCMU'] });
    expect(apart).toContain('a=rtcp:40123\r\n');
    expect(parseSdp(apart).rtcpPort).toBe(40123);
    expect(buildSdp({ address: '127.0.0.1', port: 40000, rtcpPort: 40001, codecs: ['PCMU'] })).not.toContain('a=rtcp');
    expect(() => buildSdp({ address: '127.0.0.1', port: 40000, rtcpPort: 0, codecs: ['PCMU'] })).toThrow(RangeError);
  });

  it('refuses bad input', () => {
    expect(() => buildSdp({ address: 'gw.example', port: 1, codecs: ['PCMU'] })).toThrow(RangeError);
    expect(() => buildSdp({ address: '192.0.2.1', port: 70000, codecs: ['PCMU'] })).toThrow(RangeError);
    expect(() => buildSdp({ address: '192.0.2.1', port: 1, codecs: [] })).toThrow(RangeError);
    expect(() => buildSdp({ address: '192.0.2.1', port: 1, codecs: ['PCMU', sdpCodecOf('PCMA', 0)] })).toThrow(
      /used twice/,
    );
    expect(() => buildSdp({ address: '192.0.2.1', port: 1, codecs: ['PCMU'], ptime: 0 })).toThrow(RangeError);
  });
});

describe('SDP parse', () => {
  it('reads address, port, codecs in order, static types without rtpmap, fmtp and telephone-event', () => {
    const m = parseSdp(SIPP_OFFER);
    expect(m).toEqual({
      address: '10.0.0.7',
      port: 6000,
      rtcpPort: 6001,
      codecs: [
        { name: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1 },
        { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 },
        { name: 'telephone-event', payloadType: 101, clockRate: 8000, channels: 1, fmtp: '0-11,16' },
      ],
      ptime: 20,
      direction: 'sendrecv',
      telephoneEventPt: 101,
      sessionVersion: 2353687637,
    });
  });

  it('takes media-level c=, a=rtcp, ptime, direction and case-insensitive names with dynamic types', () => {
    const m = parseSdp(
      [
        'v=0',
        'o=- 1 7 IN IP4 198.51.100.1',
        's=x',
        'c=IN IP4 198.51.100.1',
        't=0 0',
        'm=video 0 RTP/AVP 96',
        'm=audio 49170 RTP/AVP 96 97 98',
        'c=IN IP4 198.51.100.2',
        'a=rtpmap:96 OPUS/48000/2',
        'a=rtpmap:97 AMR/8000',
        'a=rtpmap:98 Telephone-Event/48000',
        'a=rtcp:49999',
        'a=ptime:40',
        'a=recvonly',
        '',
      ].join('\n'),
    );
    expect(m.address).toBe('198.51.100.2');
    expect(m.rtcpPort).toBe(49999);
    expect(m.codecs.map((c) => [c.name, c.payloadType, c.clockRate])).toEqual([
      ['opus', 96, 48000],
      ['AMR', 97, 8000],
      ['telephone-event', 98, 48000],
    ]);
    expect(m).toMatchObject({ ptime: 40, direction: 'recvonly', telephoneEventPt: 98, sessionVersion: 7 });
  });

  it('does not take a codec at the wrong clock rate for a riptrunk one', () => {
    const m = parseSdp(
      SIPP_OFFER.replace('m=audio 6000 RTP/AVP 8 0 101', 'm=audio 6000 RTP/AVP 96').replace(
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:96 PCMU/16000',
      ),
    );
    expect(m.codecs[0]).toEqual({ name: 'PCMU/16000/1', payloadType: 96, clockRate: 16000, channels: 1 });
    expect(sdpError(() => negotiateSdp(m, ['PCMU'])).code).toBe('no-common-codec');
  });

  it('rejects what is not usable SDP with a typed error and the SIP status to answer', () => {
    expect(sdpError(() => parseSdp('hello')).code).toBe('malformed');
    expect(sdpError(() => parseSdp('hello')).sipStatus).toBe(400);
    expect(sdpError(() => parseSdp('v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n')).code).toBe('malformed'); // no o=
    expect(sdpError(() => parseSdp(SIPP_OFFER.replace('m=audio 6000', 'm=audio x'))).code).toBe('malformed');
    expect(sdpError(() => parseSdp(SIPP_OFFER.replace(/c=.*\r\n/, ''))).code).toBe('malformed');
    expect(sdpError(() => parseSdp(SIPP_OFFER.replace('8 0 101', '8 0 101 96'))).message).toMatch(/96 has no a=rtpmap/);
    expect(sdpError(() => parseSdp(SIPP_OFFER.replace('8 0 101', '8 abc'))).code).toBe('malformed');
    const noAudio = sdpError(() => parseSdp(SIPP_OFFER.replace('m=audio', 'm=video')));
    expect([noAudio.code, noAudio.sipStatus]).toEqual(['no-audio', 488]);
    expect(sdpError(() => parseSdp(SIPP_OFFER.replace('m=audio 6000', 'm=audio 0'))).message).toMatch(/port 0/);
    const srtp = sdpError(() => parseSdp(SIPP_OFFER.replace('RTP/AVP', 'RTP/SAVP')));
    expect([srtp.code, srtp.sipStatus]).toEqual(['unsupported-transport', 488]);
  });

  it('round-trips what it builds', () => {
    const sdp = buildSdp({ address: '127.0.0.1', port: 20002, codecs: ['PCMU', 'telephone-event'], ptime: 20 });
    const m = parseSdp(sdp);
    expect(m.codecs).toEqual([sdpCodecOf('PCMU'), sdpCodecOf('telephone-event')]);
    expect(m.telephoneEventPt).toBe(101);
  });
});

describe('SDP negotiation', () => {
  const offer: SdpMedia = parseSdp(SIPP_OFFER);

  it("answers with the offer's first common media codec, its telephone-event payload type, and one codec only", () => {
    const plan = negotiateSdp(offer, ['PCMU', 'PCMA', 'telephone-event', 'CN']);
    expect(plan.codec.name).toBe('PCMA');
    expect(plan.codecs.map((c) => [c.name, c.payloadType])).toEqual([
      ['PCMA', 8],
      ['telephone-event', 101],
    ]);
    expect(plan).toMatchObject({ telephoneEventPt: 101, ptime: 20, direction: 'sendrecv' });
    const sdp = buildSdp({ address: '127.0.0.1', port: 20000, codecs: plan.codecs, ptime: plan.ptime });
    expect(sdp).toContain('m=audio 20000 RTP/AVP 8 101\r\n');
    expect(sdp).toContain('a=fmtp:101 0-11,16\r\n');
  });

  it('can prefer our order, and leaves telephone-event out when we do not take it', () => {
    const plan = negotiateSdp(offer, ['PCMU', 'PCMA'], { prefer: 'ours' });
    expect(plan.codecs.map((c) => c.name)).toEqual(['PCMU']);
    expect(plan.telephoneEventPt).toBeNull();
  });

  it('keeps the offerer on hold in the answer direction', () => {
    expect(negotiateSdp({ ...offer, direction: 'sendonly' }, ['PCMA']).direction).toBe('recvonly');
    expect(negotiateSdp({ ...offer, direction: 'inactive' }, ['PCMA']).direction).toBe('inactive');
    expect(answerDirection('recvonly')).toBe('sendonly');
    expect(answerDirection('sendrecv', 'sendonly')).toBe('sendonly');
    expect(answerDirection('sendonly', 'sendonly')).toBe('inactive');
  });

  it('picks telephone-event at the media clock rate', () => {
    const opusOffer: SdpMedia = {
      ...offer,
      codecs: [
        { name: 'opus', payloadType: 96, clockRate: 48000, channels: 2 },
        { name: 'telephone-event', payloadType: 100, clockRate: 8000, channels: 1 },
        { name: 'telephone-event', payloadType: 101, clockRate: 48000, channels: 1 },
      ],
    };
    expect(negotiateSdp(opusOffer, ['opus', 'telephone-event']).telephoneEventPt).toBe(101);
  });

  it('throws no-common-codec (488) when nothing media is shared', () => {
    const e = sdpError(() => negotiateSdp(offer, ['opus', 'G722', 'telephone-event']));
    expect([e.code, e.sipStatus]).toEqual(['no-common-codec', 488]);
    expect(e.message).toContain('offered: PCMA, PCMU, telephone-event');
  });
});

describe('SDP ⇄ RIPT', () => {
  it('maps SDP codecs to an advertisement that parses, dropping unknown codecs', () => {
    const ad = sdpCodecsToAdvertisement(
      [...parseSdp(SIPP_OFFER).codecs, { name: 'AMR', payloadType: 97, clockRate: 8000, channels: 1 }],
      30,
    );
    expect(ad).toBe(
      '1 in: PCMA,ptime=30; PCMU,ptime=30; telephone-event; 1 out: PCMA,ptime=30; PCMU,ptime=30; telephone-event;',
    );
    expect(parseAdvertisement(ad).entries).toHaveLength(2);
    expect(sdpError(() => sdpCodecsToAdvertisement([sdpCodecOf('telephone-event')])).code).toBe('no-common-codec');
  });

  it('maps an advertisement direction to SDP codecs with default payload types', () => {
    const { codecs, ptime } = advertisementToSdpCodecs(
      '2 out: PCMA; 1 out: opus,ptime=40; PCMU; telephone-event; AMR; 1 in: G722;',
      'out',
    );
    expect(codecs.map((c) => [c.name, c.payloadType])).toEqual([
      ['opus', 111],
      ['PCMU', 0],
      ['telephone-event', 101],
      ['PCMA', 8],
    ]);
    expect(ptime).toBe(40);
    expect(advertisementToSdpCodecs('1 in: PCMU;', 'in').ptime).toBe(20);
  });

  it('maps directives to the offer codecs: the one media codec, then the secondary ones', () => {
    const { codecs, ptime } = directivesToSdpCodecs(
      parseDirectives('1 to 1: telephone-event; 1 to 1: PCMU,ptime=30; 2 to 1: PCMA,ptime=20; 1 to 1: CN;'),
    );
    expect(codecs.map((c) => c.name)).toEqual(['PCMU', 'telephone-event', 'CN']);
    expect(ptime).toBe(30);
    expect(sdpError(() => directivesToSdpCodecs(parseDirectives('1 to 1: CN;'))).code).toBe('no-common-codec');
  });

  it('is exported from @riptrunk/ript/sip', () => {
    expect(ript.parseSdp).toBe(parseSdp);
    expect(ript.negotiateSdp).toBe(negotiateSdp);
  });
});
