/** The configuration the control plane hands to every edge (snapshot), and the edge registry entries. */
export interface EdgeTrunk {
  id: string;
  tenantId: string;
  name: string;
  destinations: string[];
  codecs: string[];
  advertisement: string;
  maxConcurrentCalls: number;
  maxCallsPerSecond: number;
  state: 'active' | 'disabled';
  callerIdRangeIds: string[] | null;
  version: number;
}

export interface EdgeRange {
  id: string;
  tenantId: string;
  start: string;
  end: string;
}

export interface EdgeConsumerTg {
  id: string;
  tenantId: string;
  trunkId: string;
  uri: string;
  token: string;
  handlersUri: string;
  callsUri: string;
  destinations: string[];
}

export interface EdgeSnapshot {
  /** Every control event up to this version is reflected in the snapshot. */
  version: number;
  /** Set when the snapshot covers one tenant only. */
  tenantId: string | null;
  tenants: { id: string; status: string }[];
  trunks: EdgeTrunk[];
  ranges: EdgeRange[];
  consumerTgs: EdgeConsumerTg[];
  revokedClients: string[];
  settings: { retryBackoffMs: number; mediaTimeoutMs: number };
}

export interface EdgeRegistration {
  id: string;
  publicUrl: string;
  /** Where this edge's call URIs point (RIPTRUNK_EDGE_CALL_URL, else the public URL): the target of `migrate`. */
  callUrl?: string;
  configVersion: number;
  liveCalls: number;
  state: 'ready' | 'draining';
  startedAt: string;
  heartbeatAt: string;
}

export function edgeRegistryKey(prefix: string, edgeId: string): string {
  return `${prefix}:edges:${edgeId}`;
}

/** Set by `POST /v1/edges/{id}/drain`: the edge refuses new calls and migrates its calls to siblings. */
export function edgeDrainKey(prefix: string, edgeId: string): string {
  return `${prefix}:edge-drain:${edgeId}`;
}

export const EDGE_HEARTBEAT_MS = 2000;
export const EDGE_TTL_S = 10;
