import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ClientError } from '../../http.js';

/**
 * The source addresses allowed to start calls through the gateway (INVITEs out of a dialog): a static SIP trunk is
 * configured by address on both sides, so anything else is refused before a RIPT call is placed for it.
 */
export class SourceAllowList {
  private readonly list = new BlockList();
  readonly entries: string[] = [];

  /** Adds an address or CIDR (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`). */
  add(entry: string): this {
    const [address, bits] = entry.trim().split('/');
    const family = isIP(address);
    if (!family) throw new ClientError(`--allow: ${entry} is not an IP address or CIDR`, 'usage');
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) {
      this.list.addAddress(address, type);
    } else {
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 6 ? 128 : 32)) {
        throw new ClientError(`--allow: ${entry} has a bad prefix length`, 'usage');
      }
      this.list.addSubnet(address, prefix, type);
    }
    this.entries.push(entry.trim());
    return this;
  }

  /** Adds the addresses a host name resolves to now (an IP literal as is). */
  async addHost(host: string): Promise<this> {
    if (isIP(host)) return this.add(host);
    for (const { address } of await lookup(host, { all: true })) this.add(address);
    return this;
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  allows(address: string): boolean {
    // IPv4-mapped IPv6 (a dual-stack socket) is the IPv4 address it maps
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const plain = mapped ? mapped[1] : address;
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `--allow CIDR,...` */
export function parseAllowList(spec: string): SourceAllowList {
  const list = new SourceAllowList();
  for (const part of spec.split(',')) if (part.trim()) list.add(part);
  return list;
}
