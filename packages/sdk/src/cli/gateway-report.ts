import type { Gateway } from '../gateway/gateway.js';
import { pingOptions, type PingResult } from '../gateway/sip/options-ping.js';
import type { GatewayCliOptions } from './gateway.js';

/** What `riptrunk gateway` says once started: what is ready, and why not when something is missing. */
export interface StartupReport {
  placement: GatewayCliOptions['placement'];
  sip: string;
  publicAddress: string;
  peer: string | null;
  /** The peer's answer to one OPTIONS (PBX placement; a carrier core's scenario may not expect one). */
  peerCheck: PingResult | null;
  tg: string;
  tgName: string;
  callerIds: string[];
  consumerTg: string | null;
  consumerTgState: string | null;
  destinations: string[];
  egress: string[];
  ready: boolean;
  notReady: string[];
}

const peerText = (p: NonNullable<GatewayCliOptions['sipPeer']>): string =>
  `${p.transport}:${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;

export async function startupReport(gw: Gateway, o: GatewayCliOptions, providerUrl: string): Promise<StartupReport> {
  const notReady: string[] = [];
  const peerCheck = o.placement === 'pbx' && gw.peer ? await pingOptions(gw.sip, gw.peer) : null;
  if (peerCheck && !peerCheck.reachable) {
    notReady.push(`the PBX did not answer (${peerCheck.reason}): check --pbx and the PBX's trunk to this gateway`);
  }
  if (!gw.peer) notReady.push('no PBX to send calls to yet: it registers to this gateway');
  const callerIds = gw.tg.outbound.origins;
  if (o.placement === 'pbx' && callerIds.length === 0) {
    notReady.push(`the trunk has no numbers: ask ${new URL(providerUrl).host} for a number range`);
  }
  const registration = gw.inbound?.registration;
  if (registration && registration.state !== 'active') {
    notReady.push(`the consumer TG is ${registration.state}${registration.reason ? `: ${registration.reason}` : ''}`);
  }
  return {
    placement: o.placement,
    sip: o.sipListen.map((l) => `${l.transport}:${l.host}:${l.port}`).join(','),
    publicAddress: gw.publicAddress,
    peer: gw.peer ? peerText(gw.peer) : null,
    peerCheck,
    tg: gw.tg.uri,
    tgName: gw.tg.name,
    callerIds,
    consumerTg: gw.inbound?.server.uri ?? null,
    consumerTgState: registration?.state ?? null,
    destinations: registration?.outbound.destinations ?? [],
    egress: o.egress,
    ready: notReady.length === 0,
    notReady,
  };
}

/** The one screen a person reads at start-up. */
export function formatStartupReport(r: StartupReport, profile: string): string {
  const row = (label: string, value: string) => `  ${label.padEnd(12)} ${value}`;
  const peerLine = !r.peer
    ? 'none yet (waits for the PBX to register)'
    : r.peerCheck === null
      ? r.peer
      : r.peerCheck.reachable
        ? `${r.peer}, answers OPTIONS (${r.peerCheck.status} in ${r.peerCheck.ms} ms)`
        : `${r.peer}, NOT answering (${r.peerCheck.reason})`;
  const lines = [
    `riptrunk gateway (${r.placement === 'pbx' ? 'in front of a PBX' : 'carrier SIP core'})`,
    row('profile', profile),
    row('RIPT TG', `${r.tgName} ${r.tg}`),
    row('caller IDs', r.callerIds.join(', ') || '(none)'),
    row(
      'consumer TG',
      r.consumerTg
        ? `${r.consumerTg} ${r.consumerTgState}, for ${r.destinations.join(', ')}`
        : 'none (ingress only: no --egress)',
    ),
    row('SIP', `${r.sip} (as ${r.publicAddress})`),
    row(r.placement === 'pbx' ? 'PBX' : 'SIP peer', peerLine),
    r.ready
      ? `ready: ${r.consumerTg ? 'calls both ways' : 'calls from SIP to RIPT'}`
      : `not ready:\n${r.notReady.map((n) => `  - ${n}`).join('\n')}`,
  ];
  return lines.join('\n');
}
