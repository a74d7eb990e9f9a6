/**
 * WebFinger (RFC 7033) discovery of a trunk's capability set document through the `sip-trunking-capability` link
 * relation (RFC 9409). Plain functions: which trunk a resource names, and the JRD for it.
 */
import { CAPABILITY_PATH, capabilityUrl } from './capability-document.js';

export const SIP_TRUNKING_CAPABILITY = 'sip-trunking-capability';
/** The name of the relation in the drafts before RFC 9409 (and in an example of RFC 10006's draft): same link. */
export const LEGACY_SIP_TRUNKING_CAPABILITY = 'sipTrunkingCapability';
export const JRD_TYPE = 'application/jrd+json';

const TRUNK_ID = /^trk_[0-9a-z]{20}$/;

export interface JrdLink {
  rel: string;
  type?: string;
  href: string;
}

export interface Jrd {
  subject: string;
  aliases: string[];
  links: JrdLink[];
}

function decoded(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

const trunkIdOrNull = (id: string | null) => (id !== null && TRUNK_ID.test(id) ? id : null);

/**
 * The trunk id a WebFinger resource names, or null: `acct:<trunkId>@<host>` where host is the control plane's
 * host name (with or without its port), or the trunk's capability URL on the control plane.
 */
export function trunkIdOfResource(resource: string, publicUrl: string): string | null {
  const base = new URL(publicUrl);
  if (/^acct:/i.test(resource)) {
    const rest = resource.slice('acct:'.length);
    const at = rest.lastIndexOf('@');
    if (at <= 0) return null;
    const host = rest.slice(at + 1).toLowerCase();
    if (host !== base.hostname.toLowerCase() && host !== base.host.toLowerCase()) return null;
    return trunkIdOrNull(decoded(rest.slice(0, at)));
  }
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return null;
  }
  if (url.origin !== base.origin || url.search || url.hash || url.username || url.password) return null;
  const prefix = `${base.pathname.replace(/\/$/, '')}/${CAPABILITY_PATH}/`;
  if (!url.pathname.startsWith(prefix)) return null;
  const id = url.pathname.slice(prefix.length);
  return id.includes('/') ? null : trunkIdOrNull(decoded(id));
}

/** The acct URI of a trunk on this control plane. */
export const acctUri = (trunkId: string, publicUrl: string) => `acct:${trunkId}@${new URL(publicUrl).hostname}`;

/**
 * The JRD for a trunk's resource. `rels` is the request's `rel` parameters (RFC 7033 section 4.3): when given,
 * only links of those relations are returned.
 */
export function trunkJrd(resource: string, trunkId: string, publicUrl: string, rels: readonly string[] = []): Jrd {
  const href = capabilityUrl(publicUrl, trunkId);
  const aliases = [acctUri(trunkId, publicUrl), href].filter((alias) => alias !== resource);
  const wanted =
    rels.length === 0 || rels.some((rel) => rel === SIP_TRUNKING_CAPABILITY || rel === LEGACY_SIP_TRUNKING_CAPABILITY);
  return {
    subject: resource,
    aliases,
    links: wanted ? [{ rel: SIP_TRUNKING_CAPABILITY, type: 'application/json', href }] : [],
  };
}
