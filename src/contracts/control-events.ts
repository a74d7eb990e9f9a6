/** Changes the edges must act on. Published on Redis pub/sub after the change commits. */
export type ControlEvent =
  | { type: 'client-revoked'; clientId: string; tenantId: string | null }
  | { type: 'token-revoked'; jti: string; exp: number }
  | { type: 'tenant-status'; tenantId: string; status: string }
  | { type: 'signing-keys-changed' }
  | { type: 'config-changed'; resource: string; id: string; tenantId: string | null }
  | { type: 'call-end'; callId: string; reason: string }
  | { type: 'edge-drain'; edgeId: string };

export type VersionedControlEvent = ControlEvent & { version: number; at: number };

export function controlChannel(prefix: string): string {
  return `${prefix}:control`;
}

export function configVersionKey(prefix: string): string {
  return `${prefix}:config-version`;
}
