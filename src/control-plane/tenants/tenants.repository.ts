import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Db } from '../../common/context/db.js';
import { EntityRepository } from '../../common/database/entity-repository.js';
import { tenantScope } from '../../common/database/tenant-scope.js';
import { paginate, type Page } from '../../common/http/pagination.js';
import type { EdgeSnapshot } from '../../contracts/edge-snapshot.js';
import type { ListTenantsQuery } from './tenant.dto.js';
import { TenantEntity } from './tenant.entity.js';

/** The `tenants` table, for the tenants domain and the reads other domains need (status checks, the edges). */
@Injectable()
export class TenantsRepository extends EntityRepository<TenantEntity> {
  constructor(db: Db) {
    super(db, TenantEntity);
  }

  find(id: string, options: { forUpdate: boolean } = { forUpdate: false }): Promise<TenantEntity | null> {
    return options.forUpdate
      ? this.rows.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } })
      : this.rows.findOneBy({ id });
  }

  page(query: ListTenantsQuery): Promise<Page<TenantEntity>> {
    const qb = this.rows.createQueryBuilder('t');
    if (query.status) qb.andWhere('t.status = :status', { status: query.status });
    if (query.kind) qb.andWhere('t.kind = :kind', { kind: query.kind });
    if (query.name)
      qb.andWhere(`t.name ILIKE :name ESCAPE '\\'`, { name: `%${query.name.replace(/[\\%_]/g, '\\$&')}%` });
    return paginate(qb, query, { alias: 't', timeColumn: 'createdAt' });
  }

  externalRefTaken(externalRef: string): Promise<boolean> {
    return this.rows.existsBy({ externalRef });
  }

  isActive(id: string): Promise<boolean> {
    return this.rows.existsBy({ id, status: 'active' });
  }

  /** The tenant's status as stored now, or null when there is no such tenant. */
  async statusOf(id: string): Promise<string | null> {
    const [row] = (await this.db.manager.query('SELECT status FROM tenants WHERE id = $1', [id])) as {
      status: string;
    }[];
    return row?.status ?? null;
  }

  /** The edges' view: every tenant's (or one tenant's) status and kind, read in the snapshot's transaction `m`. */
  async forEdges(m: EntityManager, tenantId: string | null): Promise<EdgeSnapshot['tenants']> {
    const { where, params } = tenantScope(tenantId, 'id');
    return (await m.query(`SELECT id, status, kind FROM tenants ${where}`, params)) as EdgeSnapshot['tenants'];
  }
}
