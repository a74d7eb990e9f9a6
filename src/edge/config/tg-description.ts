import type { EdgeRange, EdgeTrunk } from '../../contracts/edge-snapshot.js';

import type { TgDescription } from '@riptrunk/ript';

export type { TgDescription };

export function rangePattern(r: Pick<EdgeRange, 'start' | 'end'>): string {
  return r.start === r.end ? r.start : `${r.start}-${r.end}`;
}

/** The ranges a trunk may use as caller ID: all the tenant's, or those it names. */
export function callerIdRanges(trunk: EdgeTrunk, tenantRanges: EdgeRange[]): EdgeRange[] {
  return trunk.callerIdRangeIds === null
    ? tenantRanges
    : tenantRanges.filter((r) => trunk.callerIdRangeIds!.includes(r.id));
}

export function tgDescription(
  trunk: EdgeTrunk,
  tenantRanges: EdgeRange[],
  urls: { edge: string; controlPlane: string },
  settings: { retryBackoffMs: number; mediaTimeoutMs: number },
): TgDescription {
  const uri = `${urls.edge}/ript/v1/tgs/${trunk.id}`;
  const providerTg = `${urls.controlPlane}/ript/v1/providertgs/${trunk.id}`;
  return {
    uri,
    name: trunk.name,
    outbound: {
      origins: callerIdRanges(trunk, tenantRanges).map(rangePattern).sort(),
      destinations: trunk.destinations,
    },
    limits: { 'max-concurrent-calls': trunk.maxConcurrentCalls, 'max-calls-per-second': trunk.maxCallsPerSecond },
    advertisement: trunk.advertisement,
    'retry-backoff': settings.retryBackoffMs,
    'media-timeout': settings.mediaTimeoutMs,
    links: {
      handlers: `${uri}/handlers`,
      calls: `${uri}/calls`,
      consumertgs: `${providerTg}/consumertgs`,
      certs: `${providerTg}/certs`,
    },
  };
}
