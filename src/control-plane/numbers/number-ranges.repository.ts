import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { tenantScope } from '../../common/database/tenant-scope.js';
import type { EdgeRange } from '../../contracts/edge-snapshot.js';

/** Reads of the `number_ranges` table that other domains need (the edges' snapshot). */
@Injectable()
export class NumberRangesRepository {
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
