import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Db } from '../../common/context/db.js';
import { EntityRepository } from '../../common/database/entity-repository.js';
import { tenantScope } from '../../common/database/tenant-scope.js';
import { paginate, type Page } from '../../common/http/pagination.js';
import type { EdgeTrunk } from '../../contracts/edge-snapshot.js';
import { trunkAdvertisement } from './trunk-advertisement.js';
import type { ListTrunksQuery } from './trunk.dto.js';
import { TrunkEntity } from './trunk.entity.js';

/** The `trunks` table, for the trunks domain, RIPT discovery and the edges' snapshot. */
@Injectable()
export class TrunksRepository extends EntityRepository<TrunkEntity> {
  constructor(db: Db) {
    super(db, TrunkEntity);
  }

  /** The tenant's trunk, locked for the rest of the current transaction when `forUpdate`. */
  find(
    tenantId: string,
    id: string,
    options: { forUpdate: boolean } = { forUpdate: false },
  ): Promise<TrunkEntity | null> {
    return options.forUpdate
      ? this.rows.findOne({ where: { id, tenantId }, lock: { mode: 'pessimistic_write' } })
      : this.rows.findOneBy({ id, tenantId });
  }

  /** A trunk of any tenant (public documents: capability sets, WebFinger). */
  findAnyTenant(id: string, where: { state?: 'active' } = {}): Promise<TrunkEntity | null> {
    return this.rows.findOneBy({ id, ...where });
  }

  page(tenantId: string, query: ListTrunksQuery): Promise<Page<TrunkEntity>> {
    const qb = this.rows.createQueryBuilder('t').where('t.tenantId = :tenantId', { tenantId });
    if (query.state) qb.andWhere('t.state = :state', { state: query.state });
    return paginate(qb, query, { alias: 't', timeColumn: 'createdAt' });
  }

  nameTaken(tenantId: string, name: string): Promise<boolean> {
    return this.rows.existsBy({ tenantId, name });
  }

  /** The tenant's active trunks, oldest first. */
  activeOfTenant(tenantId: string): Promise<TrunkEntity[]> {
    return this.rows.find({ where: { tenantId, state: 'active' }, order: { createdAt: 'ASC' } });
  }

  exists(tenantId: string, id: string): Promise<boolean> {
    return this.rows.existsBy({ id, tenantId });
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
