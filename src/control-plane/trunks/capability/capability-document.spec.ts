import {
  capabilitySchemaErrors,
  capabilitySchemaValidator,
  duplicateListKeys,
} from '../../../../test/helpers/capability-schema.js';
import {
  CapabilityTooLargeError,
  hostPort,
  mediaTypes,
  renderCapabilityDocument,
  ROOT_MEMBER,
  RIPT_MEMBER,
  type CapabilityInput,
} from './capability-document.js';

const TRUNK_ID = 'trk_5k2m9q0d3x7c1v8b4n6p';

function input(overrides: Partial<CapabilityInput> = {}): CapabilityInput {
  return {
    trunk: {
      id: TRUNK_ID,
      name: 'acme-primary',
      destinations: ['+1*', '+44*', '+14155550100-+14155550199'],
      codecs: ['opus', 'PCMU', 'PCMA', 'G722'],
      maxConcurrentCalls: 50,
      maxCallsPerSecond: 5,
    },
    ranges: [
      { start: '+14085550100', end: '+14085550199' },
      { start: '+442070000000', end: '+442079999999' },
    ],
    notBefore: new Date('2026-01-20T10:30:00.123Z'),
    publicUrl: 'https://api.carrier.example',
    edgePublicUrl: 'https://edge.carrier.example:8443',
    ...overrides,
  };
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('renderCapabilityDocument', () => {
  const doc = renderCapabilityDocument(input());
  const root = doc[ROOT_MEMBER];

  it('is valid against the committed JSON Schema, with unique list keys', () => {
    expect(capabilitySchemaErrors(doc)).toEqual([]);
    expect(duplicateListKeys(doc)).toEqual([]);
  });

  it('qualifies the top-level member, identities and the augmentation with module names (RFC 7951)', () => {
    expect(Object.keys(doc)).toEqual(['ietf-sip-auto-peering:sip-auto-peering']);
    expect(root.variant).toBe('ietf-sip-auto-peering:v1-0');
    expect(root['transport-info'].transport).toEqual(['ietf-sip-auto-peering:tcp']);
    expect(root.security.signaling).toEqual({
      secure: true,
      version: ['ietf-tls-common:tls12', 'ietf-tls-common:tls13'],
    });
    expect(Object.keys(root)).toContain('riptrunk-sip-auto-peering:ript');
    expect(root['call-spec']['caller-id']['preferred-method']).toBe('from');
  });

  it('has a revision: when the configuration took effect, and where to fetch it again', () => {
    expect(root.revision).toEqual({
      'not-before': '2026-01-20T10:30:00.123Z',
      location: `https://api.carrier.example/capability/v1/trunks/${TRUNK_ID}`,
    });
  });

  it("points SIP at the edge's host and port, over TLS", () => {
    expect(root['transport-info']['call-control']).toEqual([{ host: 'edge.carrier.example', port: 8443 }]);
  });

  it('lists the number ranges in blocks of at most 65,535 numbers, as E.164 digits', () => {
    const entries = root['call-spec']['number-range'];
    expect(entries).toHaveLength(1 + 153);
    expect(entries[0]).toEqual({ index: 0, type: 'range', count: 100, value: ['14085550100'] });
    expect(entries[1]).toEqual({ index: 1, type: 'range', count: 65_535, value: ['442070000000'] });
    expect(entries.map((e) => e.index)).toEqual(entries.map((_, i) => i));
    expect(entries.reduce((sum, e) => sum + e.count!, 0)).toBe(100 + 10_000_000);
  });

  it('lists the media codecs in preference order with their RTP clock rates, and RFC 4733 DTMF', () => {
    expect(root.media['media-type-audio']).toEqual([
      { 'media-format': 'ietf-sip-auto-peering:opus', rate: 48000, ptime: 20 },
      { 'media-format': 'ietf-sip-auto-peering:pcmu', rate: 8000, ptime: 20 },
      { 'media-format': 'ietf-sip-auto-peering:pcma', rate: 8000, ptime: 20 },
      { 'media-format': 'ietf-sip-auto-peering:g722', rate: 8000, ptime: 20 },
    ]);
    expect(mediaTypes(['CN', 'PCMA'])).toEqual([
      { 'media-format': 'ietf-sip-auto-peering:pcma', rate: 8000, ptime: 20 },
    ]);
    expect(root.dtmf).toEqual({ 'payload-number': 101, iteration: true });
  });

  it('says STIR, and links the RIPT trunk group, the certificates and the STIR CA', () => {
    expect(root.security['secure-telephony-identity']).toEqual({
      'stir-compliance': true,
      'certificate-delegation': true,
    });
    expect(root[RIPT_MEMBER]).toEqual({
      'tg-uri': `https://edge.carrier.example:8443/ript/v1/tgs/${TRUNK_ID}`,
      name: 'acme-primary',
      destination: ['+1*', '+44*', '+14155550100-+14155550199'],
      'max-concurrent-calls': 50,
      'max-calls-per-second': 5,
      discovery: 'https://api.carrier.example/.well-known/ript',
      certs: `https://api.carrier.example/ript/v1/providertgs/${TRUNK_ID}/certs`,
      'stir-ca': 'https://api.carrier.example/ript/v1/stir/ca.pem',
    });
  });

  it('is valid with no number ranges at all', () => {
    const empty = renderCapabilityDocument(input({ ranges: [] }));
    expect(empty[ROOT_MEMBER]['call-spec']['number-range']).toEqual([]);
    expect(capabilitySchemaErrors(empty)).toEqual([]);
  });

  it('refuses ranges needing more entries than the uint16 index can number', () => {
    const ranges = Array.from({ length: 65_537 }, (_, i) => {
      const n = `+1408${String(1_000_000 + i).padStart(7, '0')}`;
      return { start: n, end: n };
    });
    expect(() => renderCapabilityDocument(input({ ranges }))).toThrow(CapabilityTooLargeError);
    expect(() => renderCapabilityDocument(input({ ranges: ranges.slice(1) }))).not.toThrow();
  });

  it('takes host and port from URLs: IPv6 without brackets, 443 by default', () => {
    expect(hostPort('https://[2001:db8::1]:5061')).toEqual({ host: '2001:db8::1', port: 5061 });
    expect(hostPort('https://edge.example')).toEqual({ host: 'edge.example', port: 443 });
    const v6 = renderCapabilityDocument(input({ edgePublicUrl: 'https://[2001:db8::1]' }));
    expect(capabilitySchemaErrors(v6)).toEqual([]);
  });
});

describe('the capability set JSON Schema', () => {
  const valid = renderCapabilityDocument(input({ ranges: [{ start: '+14085550100', end: '+14085550199' }] }));

  /** The document with one change made to its root container. */
  function broken(change: (root: Record<string, any>) => void): unknown {
    const doc = clone(valid) as Record<string, any>;
    change(doc[ROOT_MEMBER]);
    return doc;
  }

  it('compiles in strict mode', () => {
    expect(typeof capabilitySchemaValidator()).toBe('function');
  });

  it('accepts every node of the module, in a document using them all', () => {
    const full = broken((root) => {
      root.variant = 'v1-0'; // the simple form is allowed for an identity of the leaf's own module
      root['transport-info'] = {
        transport: ['ietf-sip-auto-peering:udp', 'tcp'],
        registrar: [{ host: 'registrar.voice.example.net', port: 5060 }],
        realm: [
          {
            name: 'voice.example.net',
            username: 'pbx-7',
            password: `$6$saltsalt$${'a'.repeat(86)}`,
          },
        ],
        'call-control': [
          { host: '198.51.100.7', port: 5061 },
          { host: '2001:db8::7', port: 5061 },
        ],
        'dns-server': ['198.51.100.53', '2001:db8::53'],
        'outbound-proxy': [{ host: 'proxy.voice.example.net', port: 5061 }],
      };
      root['call-spec']['early-media'] = true;
      root['call-spec']['signaling-forking'] = false;
      root['call-spec']['number-range'].push(
        { index: 1, type: 'collection', count: 2, value: ['14085550300', '14085550305'] },
        { index: 2, type: 'reference', value: ['https://numbers.example.net/acme.json'] },
      );
      root.media.fax = { protocol: ['t38', 'pass-through'] };
      root.media.rtp = { 'rtp-trigger': false, 'symmetric-rtp': true };
      root.media.rtcp = { 'symmetric-rtcp': true, 'rtcp-feedback': false };
      root.media['media-type-audio'].push({ 'media-format': 'g729', rate: 8000, ptime: 20, parameter: 'annexb=no' });
      root.security['media-security'] = { 'key-management': ['sdes', 'dtls-srtp'] };
      root.security['certificate-location'] = 'https://pki.example.net/chain.pem';
      root.security['secure-telephony-identity']['acme-directory'] = 'https://acme.example.net/directory';
      root.extension = ['one-hundred-rel', 'timer', 'replaces'];
      root['vendor-a-config:sbc'] = { 'device-id': 7 }; // someone else's augmentation
    });
    expect(capabilitySchemaErrors(full)).toEqual([]);
    expect(duplicateListKeys(full as Record<string, any>)).toEqual([]);
  });

  const cases: [string, (root: Record<string, any>) => void][] = [
    ['no variant (mandatory)', (r) => delete r.variant],
    ['an unknown variant', (r) => (r.variant = 'ietf-sip-auto-peering:v2-0')],
    ['no revision/not-before (mandatory)', (r) => delete r.revision['not-before']],
    ['a not-before that is no date-and-time', (r) => (r.revision['not-before'] = '20 January 2026')],
    ['no transport (min-elements 1)', (r) => (r['transport-info'].transport = [])],
    ['TLS as a transport identity (the module has udp and tcp)', (r) => (r['transport-info'].transport = ['tls'])],
    ['a port out of range', (r) => (r['transport-info']['call-control'][0].port = 65536)],
    [
      'more than 3 call-control entries',
      (r) => (r['transport-info']['call-control'] = Array(4).fill({ host: 'a.example', port: 1 })),
    ],
    ['a count of 0', (r) => (r['call-spec']['number-range'][0].count = 0)],
    ['a count over uint16', (r) => (r['call-spec']['number-range'][0].count = 65536)],
    ['a range without count', (r) => delete r['call-spec']['number-range'][0].count],
    ['a range with two values', (r) => r['call-spec']['number-range'][0].value.push('14085550101')],
    ['a number with "+"', (r) => (r['call-spec']['number-range'][0].value = ['+14085550100'])],
    ['a number that is too long', (r) => (r['call-spec']['number-range'][0].value = ['1408555010012345'])],
    [
      'a count on a reference (YANG when)',
      (r) => Object.assign(r['call-spec']['number-range'][0], { type: 'reference', value: ['https://n.example/x'] }),
    ],
    ['an index as a string', (r) => (r['call-spec']['number-range'][0].index = '0')],
    ['a rate as a string', (r) => (r.media['media-type-audio'][0].rate = '48000')],
    ['an unknown codec', (r) => (r.media['media-type-audio'][0]['media-format'] = 'ietf-sip-auto-peering:amr')],
    ['a media format without key', (r) => delete r.media['media-type-audio'][0]['media-format']],
    ['a DTMF payload type outside 96..127', (r) => (r.dtmf['payload-number'] = 128)],
    [
      'a TLS version with the YANG prefix instead of the module name',
      (r) => (r.security.signaling.version = ['tlscmn:tls12']),
    ],
    ['a TLS version without module name', (r) => (r.security.signaling.version = ['tls12'])],
    ['TLS versions while not secure (YANG when)', (r) => (r.security.signaling.secure = false)],
    [
      'an acme-directory without delegation (YANG when)',
      (r) =>
        Object.assign(r.security['secure-telephony-identity'], {
          'certificate-delegation': false,
          'acme-directory': 'https://a.example/d',
        }),
    ],
    ['a prefixed enumeration value', (r) => (r.extension = ['iana-sip-option-tags:timer'])],
    ['a member the module does not have', (r) => (r['call-spec']['trunk-group'] = 'x')],
    ['a member of this module qualified where it must not be', (r) => (r['ietf-sip-auto-peering:dtmf'] = {})],
    ['a location that is no URI', (r) => (r.revision.location = 'not a uri')],
    ['a RIPT limit of 0', (r) => (r[RIPT_MEMBER]['max-concurrent-calls'] = 0)],
    ['a malformed destination pattern', (r) => (r[RIPT_MEMBER].destination = ['1408*'])],
  ];

  it.each(cases)('rejects %s', (_name, change) => {
    expect(capabilitySchemaErrors(broken(change))).not.toEqual([]);
  });

  it('rejects a document whose top-level member is not qualified with the module name', () => {
    expect(capabilitySchemaErrors({ 'sip-auto-peering': valid[ROOT_MEMBER] })).not.toEqual([]);
    expect(capabilitySchemaErrors({})).not.toEqual([]);
  });

  it('finds duplicate list keys, which the schema cannot', () => {
    const dup = broken((r) =>
      r['call-spec']['number-range'].push({ index: 0, type: 'range', count: 1, value: ['14085550300'] }),
    );
    expect(capabilitySchemaErrors(dup)).toEqual([]);
    expect(duplicateListKeys(dup as Record<string, any>)).toEqual(['number-range[0]']);
  });
});
