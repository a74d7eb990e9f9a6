import { fetch as undiciFetch } from 'undici';
import { checkDefaultCountry } from '@riptrunk/ript/sip';
import { parsePortRange } from '../gateway/rtp/port-pool.js';
import { formatCallLog, type CallLogEntry } from '../gateway/call-log.js';
import { Gateway } from '../gateway/gateway.js';
import { sipNumberNormaliser } from '../gateway/numbers.js';
import type { GatewayPlacement } from '../gateway/gateway-context.js';
import { isWildcard, localAddressTowards } from '../gateway/sip/local-address.js';
import { parseAllowList, type SourceAllowList } from '../gateway/sip/source-allow-list.js';
import { formatStartupReport, startupReport } from './gateway-report.js';
import { gatewayIdentity } from '../gateway/identity.js';
import { createGatewayMedia } from '../gateway/media/gateway-media.js';
import { parseSipListen, parseSipPeer, type SipListen, type SipPeer } from '../gateway/sip/sip-addresses.js';
import { providerAgent } from '../http.js';
import { loadProfile } from '../profile.js';
import { RiptTrunkClient } from '../riptrunk-client.js';
import { readFileChecked } from './files.js';
import { requiredOption, UsageError } from './kit.js';
import { profilePath, type CliValues } from './options.js';
import { serveTlsMaterial, type ServeTlsOptions } from './serve-tls.js';

export interface GatewayCliOptions {
  profile: string;
  cacert?: string;
  placement: GatewayPlacement;
  sipListen: SipListen[];
  /** The SIP core (--sip-peer), or the PBX at a static address (--pbx). */
  sipPeer?: SipPeer;
  /** --allow: more source addresses that may start calls (the peer's own are always allowed). */
  allow?: SourceAllowList;
  rtpPorts: { min: number; max: number };
  publicAddress?: string;
  egress: string[];
  /** Default country for national numbers on the SIP side (ISO 3166 alpha-2). */
  country?: string;
  /** PEM bundle of the STI-CA certificates trusted for inbound Identity headers. */
  stirTrust?: string;
  host: string;
  port: number;
  publicUrl?: string;
  tls: ServeTlsOptions;
  json?: boolean;
}

/** The flag parsers throw their own errors; on the command line each is a usage error. */
function usage(err: unknown): never {
  throw new UsageError((err as Error).message);
}

/** The PBX placement listens on every interface at the SIP port unless told otherwise. */
const PBX_DEFAULT_LISTEN = 'udp:0.0.0.0:5060';

export function gatewayOptions(values: CliValues): GatewayCliOptions {
  const placement: GatewayPlacement = values.pbx || values['pbx-user'] ? 'pbx' : 'carrier';
  if (placement === 'pbx') {
    if (values['sip-peer'])
      throw new UsageError('--sip-peer is for the carrier placement; in front of a PBX use --pbx');
    if (values.egress)
      throw new UsageError('--egress is for the carrier placement; a PBX gets calls to its own numbers');
  }
  const listen =
    placement === 'pbx' ? (values['sip-listen'] ?? PBX_DEFAULT_LISTEN) : requiredOption(values, 'sip-listen');
  const peer = placement === 'pbx' ? values.pbx : requiredOption(values, 'sip-peer');
  let sipListen: SipListen[] = [];
  let sipPeer: SipPeer | undefined;
  let allow: SourceAllowList | undefined;
  let rtpPorts = { min: 20000, max: 29999 };
  try {
    sipListen = parseSipListen(listen);
    if (peer) sipPeer = parseSipPeer(peer, placement === 'pbx' ? '--pbx' : '--sip-peer');
    if (values.allow) allow = parseAllowList(values.allow);
    if (values['rtp-ports']) rtpPorts = parsePortRange(values['rtp-ports']);
  } catch (err) {
    usage(err);
  }
  const egress = values.egress ? values.egress.split(',').map((p) => p.trim()) : [];
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535');
  if (values.country) {
    try {
      checkDefaultCountry(values.country);
    } catch (err) {
      usage(err);
    }
  }
  return {
    profile: profilePath(values),
    cacert: values.cacert,
    placement,
    sipListen,
    ...(sipPeer ? { sipPeer } : {}),
    ...(allow ? { allow } : {}),
    rtpPorts,
    publicAddress: values['public-address'],
    egress,
    country: values.country,
    stirTrust: values['stir-trust'] ?? process.env.RIPTRUNK_STIR_TRUST_FILE,
    host: values.host ?? '127.0.0.1',
    port,
    publicUrl: values['public-url'],
    tls: { cert: values.cert, key: values.key, caKey: values['ca-key'] },
    json: values.json,
  };
}

/** GET of a certificate file, bounded in time and size. */
async function fetchText(url: string, agent: ReturnType<typeof providerAgent>): Promise<string> {
  const res = await undiciFetch(url, { dispatcher: agent, signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  const text = await res.text();
  if (text.length > 16_384) throw new Error(`${url}: certificate too large`);
  return text;
}

function say(o: GatewayCliOptions, json: Record<string, unknown>, human: string): void {
  if (o.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else process.stdout.write(`${human}\n`);
}

/** The address in Via, Contact and SDP: --public-address, the listen address, or (on 0.0.0.0) the local one. */
async function publicAddressOf(o: GatewayCliOptions): Promise<string> {
  if (o.publicAddress) return o.publicAddress;
  const host = o.sipListen[0].host;
  return isWildcard(host) ? localAddressTowards(o.sipPeer?.host) : host;
}

/** `riptrunk gateway`: runs the SIP⇄RIPT gateway until SIGINT or SIGTERM. */
export async function gateway(o: GatewayCliOptions): Promise<void> {
  const profile = loadProfile(o.profile);
  const client = await RiptTrunkClient.fromProfile(profile);
  const trust = o.stirTrust ? readFileChecked(o.stirTrust) : undefined;
  // one agent for every x5u fetch: a new one per call would redo the TLS set-up each time
  const certAgent = providerAgent(o.cacert ?? profile.caFile);
  const closeClients = () => Promise.all([client.close(), certAgent.close()]);
  const servesConsumerTg = o.egress.length > 0 || o.placement === 'pbx';
  let gw: Gateway;
  try {
    const tls = servesConsumerTg
      ? await serveTlsMaterial(o.tls, o.cacert ?? profile.caFile, o.host, o.publicUrl)
      : null;
    gw = await Gateway.start({
      client,
      placement: o.placement,
      sipListen: o.sipListen,
      ...(o.sipPeer ? { sipPeer: o.sipPeer } : {}),
      ...(o.allow ? { allow: o.allow } : {}),
      publicAddress: await publicAddressOf(o),
      media: ({ publicAddress }) =>
        createGatewayMedia({ publicAddress, bindAddress: o.sipListen[0].host, ports: o.rtpPorts }),
      identity: gatewayIdentity({
        trustPem: trust,
        repositories: [`${new URL(profile.providerUrl).origin}/ript/v1/certs/`],
        fetchPem: (url) => fetchText(url, certAgent),
      }),
      e164: sipNumberNormaliser(o.country),
      egress: o.egress,
      ...(tls
        ? {
            inbound: {
              cert: tls.cert,
              key: tls.key,
              host: o.host,
              port: o.port,
              ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
            },
          }
        : {}),
      onLog: (entry: CallLogEntry) => say(o, { ...entry }, formatCallLog(entry)),
    });
  } catch (err) {
    await closeClients();
    throw err;
  }
  // listening for signals before saying `started`: one sent on that line must stop the gateway cleanly
  const signalled = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const report = await startupReport(gw, o, profile.providerUrl);
  say(o, { event: 'started', ...report }, formatStartupReport(report, o.profile));
  await signalled;
  try {
    await gw.close({ unregister: true });
  } finally {
    await closeClients();
  }
  say(o, { event: 'stopped' }, 'gateway stopped; consumer TG unregistered');
}
