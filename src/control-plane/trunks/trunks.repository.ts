import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Db } from '../../common/context/db.js';
import { tenantScope } from '../../common/database/tenant-scope.js';
import type { EdgeTrunk } from '../../contracts/edge-snapshot.js';
import { trunkAdvertisement } from './trunk-advertisement.js';
import { TrunkEntity } from './trunk.entity.js';

/** Reads of the `trunks` table for RIPT discovery and the edges' snapshot. */
@Injectable()
export class TrunksRepository {
  constructor(private readonly db: Db) {}

  /** The tenant's active trunks, oldest first. */
  activeOfTenant(tenantId: string): Promise<TrunkEntity[]> {
    return this.db.repo(TrunkEntity).find({ where: { tenantId, state: 'active' }, order: { createdAt: 'ASC' } });
  }

  exists(tenantId: string, id: string): Promise<boolean> {
    return this.db.repo(TrunkEntity).existsBy({ id, tenantId });
  }

  /** The edges' view of every tenant's (or one tenant's) trunks, read in the snapshot's transaction `m`. */
  async forEdges(m: EntityManager, tenantId: string | null): Promise<EdgeTrunk[]> {
    const { where, params } = tenantScope(tenantId);
    const rows = (await m.query(`SELECT * FROM trunks ${where} ORDER BY created_at`, params)) as Record<
      string,
      never
    >[];
    return rows.map((t) => ({
      id: t.id,
      tenantId: t.tenant_id,
      name: t.name,
      destinations: t.destinations,
      codecs: t.codecs,
      advertisement: trunkAdvertisement(t.codecs),
      maxConcurrentCalls: t.max_concurrent_calls,
      maxCallsPerSecond: t.max_calls_per_second,
      state: t.state,
      callerIdRangeIds: t.caller_id_range_ids,
      version: t.version,
    }));
  }
}
