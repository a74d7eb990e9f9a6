import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export const isWildcard = (host: string): boolean => WILDCARDS.has(host);

/**
 * The local address a peer would see us at: the one the kernel picks to route to `towards` (a connected UDP socket
 * sends nothing), else the first non-internal IPv4 address, else loopback. A gateway listening on 0.0.0.0 puts this
 * in Via, Contact and SDP, where a wildcard means nothing to the peer.
 */
export async function localAddressTowards(towards?: string): Promise<string> {
  if (towards && isIP(towards)) {
    const socket = createSocket(isIP(towards) === 6 ? 'udp6' : 'udp4');
    try {
      const address = await new Promise<string>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(9, towards, () => resolve(socket.address().address));
      });
      if (!isWildcard(address)) return address;
    } catch {
      // no route to it from here: fall through to the interfaces
    } finally {
      socket.close();
    }
  }
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
