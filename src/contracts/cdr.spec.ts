import { callDetailRecords, type CallRecord } from './call-record.js';
import { parseCallDetailRecord } from './cdr.js';

const record: CallRecord = {
  id: '0b6a4c1e-4f0e-4b8e-9a53-2b0f7c1d9e21',
  uri: 'https://edge.example/ript/v1/calls/0b6a4c1e-4f0e-4b8e-9a53-2b0f7c1d9e21',
  edgeId: 'edge-1',
  tenantId: 'ten_00000000000000000001',
  trunkId: 'trk_00000000000000000001',
  clientId: null,
  handler: 'https://edge.example/ript/v1/tgs/trk_00000000000000000001/handlers/h',
  from: '+14085550100',
  to: '+442071838750',
  passport: 'a.b.c',
  sipCallId: 'a84b4c76e66710@pc33.atlanta.example',
  sipStatus: 486,
  clientDirectives: '',
  serverDirectives: '',
  line: 'onnet',
  callee: {
    uri: 'https://gw.example/calls/1',
    consumerTgId: 'ctg_1',
    tenantId: 'ten_00000000000000000002',
    trunkId: 'trk_00000000000000000002',
  },
  calleeMedia: {
    framesReceived: 0,
    framesSent: 0,
    bytesReceived: 0,
    bytesSent: 0,
    lossReceived: 0,
    lossSent: 0,
    maxJitterMs: 0,
  },
  state: 'declined',
  reason: 'declined',
  createdAt: '2026-01-01T10:00:00.000Z',
  answeredAt: null,
  endedAt: '2026-01-01T10:00:05.000Z',
  framesIn: 0,
  framesOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  framesDropped: 0,
  lossReceived: 0,
  lossSent: 0,
  maxJitterMs: 0,
};

describe('CDRs: SIP fields (profile §10)', () => {
  it("carries the call's sip-call-id and the callee's final sip-status in both CDRs of a relayed call", () => {
    const cdrs = callDetailRecords(record, 'edge-1');
    expect(cdrs.map((c) => [c.direction, c.sipCallId, c.sipStatus])).toEqual([
      ['outbound', 'a84b4c76e66710@pc33.atlanta.example', 486],
      ['inbound', 'a84b4c76e66710@pc33.atlanta.example', 486],
    ]);
    for (const c of cdrs) expect(parseCallDetailRecord(c)).toEqual(c);
  });

  it('has null SIP fields for a call without them, and for a CDR of an older edge', () => {
    const { sipCallId: _id, sipStatus: _status, ...plain } = record;
    const [cdr] = callDetailRecords(plain, 'edge-1');
    expect(cdr).toMatchObject({ sipCallId: null, sipStatus: null });
    const { sipCallId: _c, sipStatus: _s, ...older } = cdr;
    expect(parseCallDetailRecord(older)).toMatchObject({ sipCallId: null, sipStatus: null });
  });
});
