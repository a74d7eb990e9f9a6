import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { andWhere, tenantScope } from '../../../common/database/tenant-scope.js';
import type { EdgeConsumerTg } from '../../../contracts/edge-snapshot.js';

/** An active consumer TG as the edges get it, its token still sealed. */
export type SealedEdgeConsumerTg = Omit<EdgeConsumerTg, 'token'> & { tokenSealed: string };

/** Reads of the `consumer_tgs` table that other domains need (the edges' snapshot). */
@Injectable()
export class ConsumerTgsRepository {
  /** Every tenant's (or one tenant's) active consumer TGs, read in the snapshot's transaction `m`. */
  async activeForEdges(m: EntityManager, tenantId: string | null): Promise<SealedEdgeConsumerTg[]> {
    const { where, params } = tenantScope(tenantId);
    const rows = (await m.query(
      `SELECT * FROM consumer_tgs ${andWhere(where, "state = 'active'")} ORDER BY created_at, id`,
      params,
    )) as Record<string, never>[];
    return rows.map((c) => ({
      id: c.id,
      tenantId: c.tenant_id,
      trunkId: c.trunk_id,
      uri: c.uri,
      tokenSealed: c.token_sealed,
      handlersUri: c.handlers_uri,
      callsUri: c.calls_uri,
      destinations: c.destinations,
    }));
  }
}
