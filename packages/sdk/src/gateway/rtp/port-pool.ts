/**
 * The gateway's RTP ports (`--rtp-ports 20000-29999`): even ports for RTP, the odd one above for RTCP (RFC 3550
 * §11), each pair leased to one call at a time and returned when the call closes. Leases go round the range, so a
 * pair just released is the last to be handed out again (stray packets of the old call do not reach a new one).
 */

export const DEFAULT_RTP_PORTS = '20000-29999';

export interface PortRange {
  /** Lowest port of the range (inclusive). */
  min: number;
  /** Highest port of the range (inclusive). */
  max: number;
}

/** A bad `--rtp-ports` value. */
export class PortRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortRangeError';
  }
}

/** No pair left: the gateway refuses the call (503) rather than sharing a port. */
export class PortPoolExhaustedError extends Error {
  /** `takenElsewhere`: pairs free in the pool but bound by another process (another gateway on the same range). */
  constructor(range: PortRange, pairs: number, takenElsewhere = 0) {
    super(
      takenElsewhere
        ? `no free RTP port pair in ${range.min}-${range.max}: the last ${takenElsewhere} tried are bound by another ` +
            'process (give each gateway on a host a range of its own)'
        : `no free RTP port pair in ${range.min}-${range.max} (all ${pairs} in use)`,
    );
    this.name = 'PortPoolExhaustedError';
  }
}

/** Parses "LOW-HIGH" (1024 ≤ LOW < HIGH ≤ 65535, room for at least one even/odd pair). */
export function parsePortRange(input: string): PortRange {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(typeof input === 'string' ? input : '');
  if (!m) throw new PortRangeError(`RTP port range must look like ${DEFAULT_RTP_PORTS}, got '${String(input)}'`);
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min < 1024 || max > 65535) {
    throw new PortRangeError(`RTP ports must lie within 1024-65535, got ${min}-${max}`);
  }
  if (min >= max) throw new PortRangeError(`RTP port range ${min}-${max} must go from low to high`);
  const firstEven = min % 2 === 0 ? min : min + 1;
  if (firstEven + 1 > max) {
    throw new PortRangeError(`RTP port range ${min}-${max} holds no even RTP port with its RTCP port above it`);
  }
  return { min, max };
}

export interface PortLease {
  /** Even. */
  readonly rtpPort: number;
  /** rtpPort + 1. */
  readonly rtcpPort: number;
  /** Returns the pair to the pool (once; later calls do nothing). */
  release(): void;
}

export class PortPool {
  readonly range: PortRange;
  private readonly first: number;
  /** Number of pairs in the range. */
  readonly capacity: number;
  private readonly leased = new Set<number>();
  /** Index of the pair to try first next time. */
  private next = 0;

  constructor(range: PortRange | string = DEFAULT_RTP_PORTS) {
    this.range = typeof range === 'string' ? parsePortRange(range) : parsePortRange(`${range.min}-${range.max}`);
    this.first = this.range.min % 2 === 0 ? this.range.min : this.range.min + 1;
    this.capacity = Math.floor((this.range.max - this.first + 1) / 2);
  }

  get inUse(): number {
    return this.leased.size;
  }

  get available(): number {
    return this.capacity - this.leased.size;
  }

  /** Leases the next free pair; throws PortPoolExhaustedError when none is free. */
  allocate(): PortLease {
    for (let i = 0; i < this.capacity; i++) {
      const index = (this.next + i) % this.capacity;
      const rtpPort = this.first + 2 * index;
      if (this.leased.has(rtpPort)) continue;
      this.leased.add(rtpPort);
      this.next = (index + 1) % this.capacity;
      let released = false;
      return {
        rtpPort,
        rtcpPort: rtpPort + 1,
        release: () => {
          if (released) return;
          released = true;
          this.leased.delete(rtpPort);
        },
      };
    }
    throw new PortPoolExhaustedError(this.range, this.capacity);
  }

  isLeased(rtpPort: number): boolean {
    return this.leased.has(rtpPort);
  }
}
