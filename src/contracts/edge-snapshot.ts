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
  /** Lower first among the consumer TGs that take a destination equally well. */
  priority: number;
}

export interface EdgeSnapshot {
  /** Every control event up to this version is reflected in the snapshot. */
  version: number;
  /** Set when the snapshot covers one tenant only. */
  tenantId: string | null;
  /** `kind`: an interconnect tenant's consumer TGs take off-net destinations, its trunks any E.164 caller. */
  tenants: { id: string; status: string; kind: 'enterprise' | 'interconnect' }[];
  trunks: EdgeTrunk[];
  ranges: EdgeRange[];
  consumerTgs: EdgeConsumerTg[];
  revokedClients: string[];
  settings: { retryBackoffMs: number; mediaTimeoutMs: number };
}
