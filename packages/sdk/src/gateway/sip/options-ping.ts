import type { SipPeer } from './sip-addresses.js';
import { uriHost } from './sip-addresses.js';
import type { SipEndpoint } from './sip-endpoint.js';
import { ALLOW_HEADER, newCallId, newTag, type SipRequest } from './sip-messages.js';

/** What an OPTIONS ping found: the peer's status and round trip, or why there was no answer. */
export type PingResult = { reachable: true; status: number; ms: number } | { reachable: false; reason: string };

/**
 * Sends one OPTIONS to `peer` (RFC 3261 §11) and waits at most `timeoutMs` for its final answer: how the gateway
 * tells at start-up whether the PBX or SIP core is there. Any final answer means reachable (a PBX may well answer
 * 404 or 405 to an OPTIONS for its own reasons); silence, 408 or a transport failure (503 from the stack) do not.
 */
export function pingOptions(endpoint: SipEndpoint, peer: SipPeer, timeoutMs = 2000): Promise<PingResult> {
  const transport = endpoint.transports.includes(peer.transport) ? peer.transport : endpoint.transports[0];
  const suffix = peer.transport === 'tcp' ? ';transport=tcp' : '';
  const uri = `sip:${uriHost(peer.host)}:${peer.port}${suffix}`;
  const own = endpoint.address(transport);
  const rq: SipRequest = {
    method: 'OPTIONS',
    uri,
    headers: {
      to: { uri, params: {} },
      from: { uri: `sip:gw@${uriHost(own.host)}:${own.port}`, params: { tag: newTag() } },
      'call-id': newCallId(own.host),
      cseq: { seq: 1, method: 'OPTIONS' },
      via: [],
      contact: [endpoint.contact(transport)],
      'max-forwards': '70',
      accept: 'application/sdp',
      allow: ALLOW_HEADER,
    },
  };
  const started = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ reachable: false, reason: `no answer to OPTIONS in ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    endpoint.send(transport, rq, (rs) => {
      if (rs.status < 200) return;
      clearTimeout(timer);
      if (rs.status === 408 || rs.status === 503) {
        resolve({ reachable: false, reason: `OPTIONS answered ${rs.status} ${rs.reason}` });
      } else {
        resolve({ reachable: true, status: rs.status, ms: Math.round(performance.now() - started) });
      }
    });
  });
}
