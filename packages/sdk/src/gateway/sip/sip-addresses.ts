import { ClientError } from '../../http.js';

/** Where the gateway listens for SIP: one transport on one address. */
export interface SipListen {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
}

/** The carrier's SIP core (or the PBX): where INVITEs go. */
export interface SipPeer {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

function portOf(text: string, what: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ClientError(`${what}: bad port ${text}`, 'usage');
  return port;
}

/** `udp:HOST:PORT[,tcp:HOST:PORT]` (the `--sip-listen` flag), at most one listener per transport. */
export function parseSipListen(spec: string): SipListen[] {
  const listens = spec.split(',').map((part): SipListen => {
    const m = /^(udp|tcp):(.+)$/i.exec(part.trim());
    const hp = m ? HOST_PORT.exec(m[2]) : null;
    if (!m || !hp) throw new ClientError(`--sip-listen: ${part} is not udp:HOST:PORT or tcp:HOST:PORT`, 'usage');
    return {
      transport: m[1].toLowerCase() as 'udp' | 'tcp',
      host: hp[1].replace(/^\[|\]$/g, ''),
      port: portOf(hp[2], '--sip-listen'),
    };
  });
  const transports = new Set(listens.map((l) => l.transport));
  if (transports.size !== listens.length) throw new ClientError('--sip-listen: one listener per transport', 'usage');
  return listens;
}

/** `sip:HOST:PORT[;transport=tcp]` (the `--sip-peer` and `--pbx` flags); UDP unless the URI says TCP. */
export function parseSipPeer(uri: string, flag = '--sip-peer'): SipPeer {
  const m = /^sip:([^;]+)((?:;[^;=]+(?:=[^;]*)?)*)$/i.exec(uri.trim());
  const hp = m ? HOST_PORT.exec(m[1]) : null;
  if (!m || !hp) throw new ClientError(`${flag}: ${uri} is not sip:HOST:PORT[;transport=tcp]`, 'usage');
  const transport = /;transport=tcp/i.test(m[2]) ? 'tcp' : /;transport=(?!udp)/i.test(m[2]) ? null : 'udp';
  if (!transport) throw new ClientError(`${flag}: only transport=udp or transport=tcp`, 'usage');
  return { transport, host: hp[1].replace(/^\[|\]$/g, ''), port: portOf(hp[2], flag) };
}

/** The host part of a SIP URI for `host` (IPv6 in brackets). */
export function uriHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
