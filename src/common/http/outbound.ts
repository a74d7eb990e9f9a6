import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlockList, isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import type { AppConfig } from '../config/app-config.js';

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible addresses
  ['64:ff9b::', 96], // NAT64 (RFC 6052): would reach the embedded IPv4 address
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fec0::', 10], // site-local (deprecated)
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Loopback, private, link-local, CGNAT, multicast or unspecified: never a target of ours unless allowed. */
export function isPrivateAddress(address: string): boolean {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4mapped) return PRIVATE.check(v4mapped[1], 'ipv4');
  const family = isIP(address);
  return family === 0 ? true : PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class OutboundTargetError extends Error {}

/** Syntax checks of a target URL: https, no credentials, no fragment, and no private IP literal unless allowed. */
export function checkTargetUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundTargetError('must be an absolute URL');
  }
  if (url.protocol !== 'https:') throw new OutboundTargetError('must use https');
  if (url.username || url.password) throw new OutboundTargetError('must not contain credentials');
  if (url.hash) throw new OutboundTargetError('must not contain a fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (
    !allowPrivate &&
    (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isPrivateAddress(host)))
  ) {
    throw new OutboundTargetError('resolves to a loopback or private address');
  }
  return url;
}

/**
 * An HTTPS agent for calls to customer-supplied URLs: certificates checked against `ca` (see outboundCas), and every
 * resolved address checked at connect time (so DNS rebinding cannot reach private addresses).
 */
export function createOutboundAgent(options: { allowPrivate: boolean; ca: string[] }): Agent {
  return new Agent({
    allowH2: true,
    connect: { ca: options.ca, lookup: guardedLookup(options.allowPrivate) as never, timeout: 5000 },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for sockets that refuses hosts resolving to a private address (checked at connect time). */
export function guardedLookup(
  allowPrivate: boolean,
): (hostname: string, opts: object, callback: LookupCallback) => void {
  return (hostname, opts, callback) => {
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = !allowPrivate && list.some((a) => isPrivateAddress(a.address));
      if (refused)
        return callback(
          Object.assign(new OutboundTargetError(`${hostname} resolves to a private address`), { code: 'EPRIVATE' }),
          [],
        );
      const wantsAll = (opts as { all?: boolean }).all;
      if (wantsAll) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * The CAs trusted for customer endpoints: the system's, RIPTRUNK_EXTRA_CA_FILE, and outside production the locally
 * generated CA (so local consumer TGs can use its certificates).
 */
export function outboundCas(config: AppConfig): string[] {
  const localCa = join(config.dataDir, 'ca.pem');
  return [
    ...rootCertificates,
    ...(config.env.RIPTRUNK_EXTRA_CA_FILE ? [readFileSync(config.env.RIPTRUNK_EXTRA_CA_FILE, 'utf8')] : []),
    ...(!config.production && existsSync(localCa) ? [readFileSync(localCa, 'utf8')] : []),
  ];
}
