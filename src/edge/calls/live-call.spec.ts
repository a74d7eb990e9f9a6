import { computeDirectives, EventStreamParser, parseAdvertisement } from '@riptrunk/ript';
import { LiveCall } from './live-call.js';
import { recordOf } from './live-call-record.js';

class FakeEvents {
  text = '';
  ended = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  end(): void {
    this.ended = true;
  }
  events(): Record<string, unknown>[] {
    return new EventStreamParser().push(this.text);
  }
}

const ad = parseAdvertisement('1 in: PCMU; 1 out: PCMU;');

function newCall(now = 1_000_000) {
  return new LiveCall({
    id: 'c1',
    uri: 'https://edge.example/ript/v1/calls/c1',
    edgeId: 'e1',
    tenantId: 'ten_1',
    trunkId: 'trk_1',
    clientId: 'cli_1',
    handler: 'https://edge.example/ript/v1/tgs/trk_1/handlers/h',
    from: '+14085550100',
    to: '+15550100001',
    passport: 'a.b.c',
    directives: computeDirectives(ad, ad),
    line: 'echo',
    now,
  });
}

describe('LiveCall', () => {
  it('sends the current state first, then every event, to each GET events stream', () => {
    const call = newCall();
    const early = new FakeEvents();
    call.events.addOutput(early, call.currentEvents());
    call.progress('answered', new Date(1_000_100));
    const late = new FakeEvents();
    call.events.addOutput(late, call.currentEvents());
    expect(early.events().map((e) => e.type)).toEqual(['proceeding', 'answered']);
    expect(late.events()).toEqual([
      { type: 'answered', direction: 's2c', ts: new Date(1_000_100).toISOString(), call: call.uri },
    ]);
    expect(call.answeredAt?.getTime()).toBe(1_000_100);
  });

  it('ends with the final events, closes the arrays and remembers whether anyone got them', () => {
    const call = newCall();
    call.progress('answered');
    const out = new FakeEvents();
    call.events.addOutput(out, call.currentEvents());
    const closed: string[] = [];
    call.exchanges.add({ close: () => closed.push('put') });
    expect(call.finish({ kind: 'failed', reason: 'media-timeout' }, false)).toBe(true);
    expect(call.finish({ kind: 'end', reason: 'again' }, false)).toBe(false);
    expect(out.text.endsWith(']')).toBe(true);
    expect(out.ended).toBe(true);
    expect(out.events().map((e) => [e.type, e.reason])).toEqual([
      ['answered', undefined],
      ['failed', 'media-timeout'],
      ['end', 'media-timeout'],
    ]);
    expect(closed).toEqual(['put']);
    expect(call).toMatchObject({ state: 'failed', reason: 'media-timeout', delivered: true, ended: true });
    expect(recordOf(call)).toMatchObject({ state: 'failed', reason: 'media-timeout', endedAt: expect.any(String) });
  });

  it('keeps the final events of a call nobody listens to', () => {
    const call = newCall();
    call.finish({ kind: 'declined' }, false);
    expect(call.delivered).toBe(false);
    expect(call.currentEvents().map((e) => e.type)).toEqual(['declined', 'end']);
    const byClient = newCall();
    byClient.finish({ kind: 'end', reason: 'normal' }, true);
    expect(byClient.delivered).toBe(true);
  });

  it('tracks since when no events stream is open', () => {
    const call = newCall(5000);
    expect(call.events.idleSince).toBe(5000);
    const out = new FakeEvents();
    const handle = call.events.addOutput(out, []);
    call.events.addInput();
    expect(call.events.idleSince).toBeNull();
    call.events.removeOutput(handle, 6000);
    expect(call.events.idleSince).toBeNull(); // the PUT stream is still open
    call.events.removeInput(7000);
    expect(call.events.idleSince).toBe(7000);
  });
});
