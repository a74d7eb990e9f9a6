import { isX5uUnder, X5uRefusedError } from '@riptrunk/ript';
import { buildIdentityHeader, verifyIdentity } from '@riptrunk/ript/sip';
import type { IdentityCheck } from './gateway-context.js';
import type { GatewayIdentity } from './gateway.js';

export interface GatewayIdentityOptions {
  /** The STI-CA certificates trusted (PEM bundle, parseTrustAnchors); none: every Identity is No-TN-Validation. */
  trustPem?: string;
  /** https base URLs (ending in '/') that x5u certificates may be fetched from; only those. */
  repositories?: string[];
  /** Fetches a certificate (PEM) over HTTPS; called only for URLs under `repositories`. */
  fetchPem?: (url: string) => Promise<string>;
}

/**
 * The gateway's STIR verification service (RFC 8224/8225/8588) for INVITEs from the SIP side, and its writer of
 * Identity headers for PASSporTs it passes on. The x5u is fetched only from the configured repositories (the
 * provider's certificate repository by default), never from whatever URL a caller names.
 */
export function gatewayIdentity(o: GatewayIdentityOptions): GatewayIdentity {
  const repositories = o.repositories ?? [];
  const fetchCertificate = async (x5u: string): Promise<string> => {
    if (!o.fetchPem || !repositories.some((r) => isX5uUnder(x5u, r))) throw new X5uRefusedError(x5u);
    return o.fetchPem(x5u);
  };
  return {
    header: (passport) => buildIdentityHeader(passport),
    async verify(header, from, to): Promise<IdentityCheck> {
      const result = await verifyIdentity(header, {
        trustAnchorsPem: o.trustPem ?? '',
        fetchCertificate,
        expectedDest: to,
        expectedOrig: from,
      });
      // a refused PASSporT is not passed on (the edge would refuse the call): the callee learns the verdict
      if (result.verstat === 'TN-Validation-Passed') return { verstat: result.verstat, passport: result.passport };
      return { verstat: result.verstat, reason: result.reason };
    },
  };
}
