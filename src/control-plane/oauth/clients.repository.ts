import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Db } from '../../common/context/db.js';
import { EntityRepository } from '../../common/database/entity-repository.js';
import { andWhere, tenantScope } from '../../common/database/tenant-scope.js';
import { paginate, type Page, type PageQuery } from '../../common/http/pagination.js';
import { OAuthClientEntity } from './oauth.entities.js';

/** The carrier's automation clients, or one tenant's clients. */
export type ClientScope = { kind: 'automation' } | { tenantId: string };

/** The `oauth_clients` table. */
@Injectable()
export class ClientsRepository extends EntityRepository<OAuthClientEntity> {
  constructor(db: Db) {
    super(db, OAuthClientEntity);
  }

  /** The client, locked for the rest of the current transaction when `forUpdate`. */
  find(id: string, options: { forUpdate: boolean }): Promise<OAuthClientEntity | null> {
    return this.db
      .repo(OAuthClientEntity)
      .findOne({ where: { id }, lock: options.forUpdate ? { mode: 'pessimistic_write' } : undefined });
  }

  page(scope: ClientScope, query: PageQuery): Promise<Page<OAuthClientEntity>> {
    const qb = this.rows.createQueryBuilder('c');
    if ('tenantId' in scope) qb.where('c.tenant_id = :tenantId', { tenantId: scope.tenantId });
    else qb.where("c.kind = 'automation'");
    return paginate(qb, query, { alias: 'c', timeColumn: 'createdAt' });
  }

  /** The client's status and tenant as stored now (not as cached in a token), or null when there is no such client. */
  async statusOf(id: string): Promise<{ status: string; tenantId: string | null } | null> {
    const [row] = (await this.db.manager.query('SELECT status, tenant_id FROM oauth_clients WHERE id = $1', [id])) as {
      status: string;
      tenant_id: string | null;
    }[];
    return row ? { status: row.status, tenantId: row.tenant_id } : null;
  }

  /** Ids of the clients revoked in the last `withinSeconds`, read in the snapshot's transaction `m`. */
  async revokedForEdges(m: EntityManager, tenantId: string | null, withinSeconds: number): Promise<string[]> {
    const { where, params } = tenantScope(tenantId);
    const recently = `status = 'revoked' AND revoked_at > now() - interval '${withinSeconds} seconds'`;
    const rows = (await m.query(`SELECT id FROM oauth_clients ${andWhere(where, recently)}`, params)) as {
      id: string;
    }[];
    return rows.map((r) => r.id);
  }
}
