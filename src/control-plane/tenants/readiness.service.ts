import { Injectable } from '@nestjs/common';
import { Db } from '../../common/context/db.js';
import type { TenantEntity } from './tenant.entity.js';

export interface Readiness {
  status: 'ready' | 'incomplete';
  reasons: string[];
}

export function readinessOf(reasons: string[]): Readiness {
  return { status: reasons.length ? 'incomplete' : 'ready', reasons };
}

export interface TrunkReadinessInput {
  /** Absent while the trunk is being created. */
  id?: string;
  tenantId: string;
  state: 'active' | 'disabled';
  callerIdRangeIds: string[] | null;
}

/**
 * What still stands between a tenant (or trunk) and its first successful call, computed from the data on every read
 * so it can never go stale.
 */
@Injectable()
export class ReadinessService {
  constructor(private readonly db: Db) {}

  /**
   * An enterprise needs a number range, an active trunk and an onboarded client; an interconnect (profile §10) owns
   * no numbers and is ready once its gateway has an active trunk to call on and an active consumer TG to take calls.
   */
  async forTenant(tenant: Pick<TenantEntity, 'id' | 'status' | 'kind'>): Promise<Readiness> {
    if (tenant.kind === 'interconnect') return this.forInterconnect(tenant);
    const [row] = (await this.db.manager.query(
      `SELECT (SELECT count(*) FROM number_ranges WHERE tenant_id = $1)::int AS ranges,
              (SELECT count(*) FROM trunks WHERE tenant_id = $1 AND state = 'active')::int AS trunks,
              (SELECT count(*) FROM oauth_clients WHERE tenant_id = $1 AND status = 'active')::int AS clients`,
      [tenant.id],
    )) as { ranges: number; trunks: number; clients: number }[];
    const reasons: string[] = [];
    if (tenant.status !== 'active') reasons.push(`tenant-${tenant.status}`);
    if (row.ranges === 0) reasons.push('no-number-range');
    if (row.trunks === 0) reasons.push('no-active-trunk');
    if (row.clients === 0) reasons.push('no-onboarded-client');
    return readinessOf(reasons);
  }

  private async forInterconnect(tenant: Pick<TenantEntity, 'id' | 'status'>): Promise<Readiness> {
    const [row] = (await this.db.manager.query(
      `SELECT (SELECT count(*) FROM trunks WHERE tenant_id = $1 AND state = 'active')::int AS trunks,
              (SELECT count(*) FROM consumer_tgs WHERE tenant_id = $1 AND state = 'active')::int AS consumer_tgs`,
      [tenant.id],
    )) as { trunks: number; consumer_tgs: number }[];
    const reasons: string[] = [];
    if (tenant.status !== 'active') reasons.push(`tenant-${tenant.status}`);
    if (row.trunks === 0) reasons.push('no-active-trunk');
    if (row.consumer_tgs === 0) reasons.push('no-active-consumer-tg');
    return readinessOf(reasons);
  }

  /** A trunk of an interconnect tenant needs no number range (its callers are any E.164 number). */
  async forTrunk(trunk: TrunkReadinessInput): Promise<Readiness> {
    const [row] = (await this.db.manager.query(
      `SELECT t.status, t.kind,
              (SELECT count(*) FROM number_ranges r
                WHERE r.tenant_id = t.id AND ($2::text[] IS NULL OR r.id = ANY($2)))::int AS ranges,
              (SELECT count(*) FROM oauth_clients c WHERE c.tenant_id = t.id AND c.status = 'active')::int AS clients,
              (SELECT count(*) FROM consumer_tgs g WHERE g.trunk_id = $3 AND g.state = 'active')::int AS consumer_tgs
         FROM tenants t WHERE t.id = $1`,
      [trunk.tenantId, trunk.callerIdRangeIds, trunk.id ?? null],
    )) as { status: string; kind: string; ranges: number; clients: number; consumer_tgs: number }[];
    const reasons: string[] = [];
    if (trunk.state === 'disabled') reasons.push('trunk-disabled');
    if (row && row.status !== 'active') reasons.push(`tenant-${row.status}`);
    if (!row || (row.ranges === 0 && row.kind !== 'interconnect')) reasons.push('no-number-range');
    if (!row || row.clients === 0) reasons.push('no-onboarded-client');
    if (!row || row.consumer_tgs === 0) reasons.push('no-active-consumer-tg');
    return readinessOf(reasons);
  }
}
