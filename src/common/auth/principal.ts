export type Scope = 'admin' | 'trunk:read' | 'ript:tgs' | 'ript:calls' | 'ript:certs' | 'edge';

/** The scopes OAuth clients can hold; `edge` belongs to the edges' internal credential only. */
export const ALL_SCOPES: readonly Scope[] = ['admin', 'trunk:read', 'ript:tgs', 'ript:calls', 'ript:certs'];

/** Who is calling: the carrier operator (static token), a carrier automation client, or an enterprise client. */
export interface Principal {
  kind: 'operator' | 'client' | 'edge';
  /** Stable actor name for the audit log, e.g. "operator" or "client:cli_..." */
  actor: string;
  scopes: ReadonlySet<Scope>;
  /** Set for enterprise clients: the only tenant they may see. */
  tenantId?: string;
  clientId?: string;
  tokenId?: string;
}

/** Turns a bearer token into a principal, or returns null when the token is not of its kind. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal | null>;
}
