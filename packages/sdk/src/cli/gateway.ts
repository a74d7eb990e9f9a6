import { fetch as undiciFetch } from 'undici';
import { isE164 } from '@riptrunk/ript';
import { checkDefaultCountry, SipNumberError, sipUserToE164 } from '@riptrunk/ript/sip';
import { parsePortRange } from '../gateway/rtp/port-pool.js';
import { formatCallLog, type CallLogEntry } from '../gateway/call-log.js';
import { Gateway } from '../gateway/gateway.js';
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
  sipListen: SipListen[];
  sipPeer: SipPeer;
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

/** SIP user parts → E.164: national forms need --country; without it only +E.164 users are numbers. */
function numberNormaliser(country: string | undefined): (user: string | null) => string | null {
  return (user) => {
    if (!user) return null;
    if (!country) return isE164(user) ? user : null;
    try {
      return sipUserToE164(user, { defaultCountry: country });
    } catch (err) {
      if (err instanceof SipNumberError) return null;
      throw err;
    }
  };
}

export function gatewayOptions(values: CliValues): GatewayCliOptions {
  const listen = requiredOption(values, 'sip-listen');
  const peer = requiredOption(values, 'sip-peer');
  let sipListen: SipListen[] = [];
  let sipPeer: SipPeer | undefined;
  let rtpPorts = { min: 20000, max: 29999 };
  try {
    sipListen = parseSipListen(listen);
    sipPeer = parseSipPeer(peer);
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
    sipListen,
    sipPeer: sipPeer!,
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

/** `riptrunk gateway`: runs the SIP⇄RIPT gateway until SIGINT or SIGTERM. */
export async function gateway(o: GatewayCliOptions): Promise<void> {
  const profile = loadProfile(o.profile);
  const client = await RiptTrunkClient.fromProfile(profile);
  const trust = o.stirTrust ? readFileChecked(o.stirTrust) : undefined;
  // one agent for every x5u fetch: a new one per call would redo the TLS set-up each time
  const certAgent = providerAgent(o.cacert ?? profile.caFile);
  const closeClients = () => Promise.all([client.close(), certAgent.close()]);
  let gw: Gateway;
  try {
    const tls = o.egress.length ? await serveTlsMaterial(o.tls, o.cacert ?? profile.caFile, o.host, o.publicUrl) : null;
    gw = await Gateway.start({
      client,
      sipListen: o.sipListen,
      sipPeer: o.sipPeer,
      ...(o.publicAddress ? { publicAddress: o.publicAddress } : {}),
      media: ({ publicAddress }) =>
        createGatewayMedia({ publicAddress, bindAddress: o.sipListen[0].host, ports: o.rtpPorts }),
      identity: gatewayIdentity({
        trustPem: trust,
        repositories: [`${new URL(profile.providerUrl).origin}/ript/v1/certs/`],
        fetchPem: (url) => fetchText(url, certAgent),
      }),
      e164: numberNormaliser(o.country),
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
  const sip = o.sipListen.map((l) => `${l.transport}:${l.host}:${l.port}`).join(',');
  say(
    o,
    {
      event: 'started',
      sip,
      peer: `${o.sipPeer.transport}:${o.sipPeer.host}:${o.sipPeer.port}`,
      tg: gw.tg.uri,
      consumerTg: gw.inbound?.server.uri ?? null,
      egress: o.egress,
    },
    `gateway on ${sip} to sip:${o.sipPeer.host}:${o.sipPeer.port} (${o.sipPeer.transport}); RIPT TG ${gw.tg.name}` +
      (gw.inbound ? `; consumer TG ${gw.inbound.server.uri} for ${o.egress.join(', ')}` : '; ingress only'),
  );
  await signalled;
  try {
    await gw.close({ unregister: true });
  } finally {
    await closeClients();
  }
  say(o, { event: 'stopped' }, 'gateway stopped; consumer TG unregistered');
}
