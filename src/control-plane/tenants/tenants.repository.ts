import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Db } from '../../common/context/db.js';
import { tenantScope } from '../../common/database/tenant-scope.js';
import type { EdgeSnapshot } from '../../contracts/edge-snapshot.js';

/** Reads of the `tenants` table that other domains need (status checks, the edges' snapshot). */
@Injectable()
export class TenantsRepository {
  constructor(private readonly db: Db) {}

  /** The tenant's status as stored now, or null when there is no such tenant. */
  async statusOf(id: string): Promise<string | null> {
    const [row] = (await this.db.manager.query('SELECT status FROM tenants WHERE id = $1', [id])) as {
      status: string;
    }[];
    return row?.status ?? null;
  }

  /** The edges' view: every tenant's (or one tenant's) status, read in the snapshot's transaction `m`. */
  async forEdges(m: EntityManager, tenantId: string | null): Promise<EdgeSnapshot['tenants']> {
    const { where, params } = tenantScope(tenantId, 'id');
    return (await m.query(`SELECT id, status FROM tenants ${where}`, params)) as EdgeSnapshot['tenants'];
  }
}
