import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { Db } from '../../common/context/db.js';
import { tenantScope } from '../../common/database/tenant-scope.js';
import type { EdgeRange } from '../../contracts/edge-snapshot.js';
import { NumberRangeEntity } from './number-range.entity.js';

/** Reads of the `number_ranges` table that other domains need (trunks, consumer TGs, certificates, the edges). */
@Injectable()
export class NumberRangesRepository {
  constructor(private readonly db: Db) {}

  /** The tenant's ranges: all of them, or those of `ids` (null: all). */
  ofTenant(tenantId: string, ids: string[] | null = null): Promise<NumberRangeEntity[]> {
    const repo = this.db.repo(NumberRangeEntity);
    return ids === null ? repo.findBy({ tenantId }) : repo.findBy({ tenantId, id: In(ids) });
  }

  /** Which of `ids` are the tenant's ranges, share-locked until the current transaction ends. */
  async idsOfTenantForShare(tenantId: string, ids: string[]): Promise<Set<string>> {
    const rows = (await this.db.manager.query(
      'SELECT id FROM number_ranges WHERE tenant_id = $1 AND id = ANY($2::text[]) FOR SHARE',
      [tenantId, ids],
    )) as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  /** The tenant's ranges as "start-end" number patterns. */
  async patternsOfTenant(tenantId: string): Promise<string[]> {
    const rows = (await this.db.manager.query('SELECT start_e164, end_e164 FROM number_ranges WHERE tenant_id = $1', [
      tenantId,
    ])) as { start_e164: string; end_e164: string }[];
    return rows.map((r) => `${r.start_e164}-${r.end_e164}`);
  }

  /** Whether one of the tenant's ranges holds the E.164 number. */
  async tenantHolds(tenantId: string, e164: string): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      'SELECT id FROM number_ranges WHERE tenant_id = $1 AND numbers @> $2::bigint LIMIT 1',
      [tenantId, e164.slice(1)],
    );
    return rows.length > 0;
  }

  /** The edges' view of every tenant's (or one tenant's) ranges, read in the snapshot's transaction `m`. */
  async forEdges(m: EntityManager, tenantId: string | null): Promise<EdgeRange[]> {
    const { where, params } = tenantScope(tenantId);
    const rows = (await m.query(
      `SELECT id, tenant_id, start_e164, end_e164 FROM number_ranges ${where}`,
      params,
    )) as Record<string, string>[];
    return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, start: r.start_e164, end: r.end_e164 }));
  }
}
