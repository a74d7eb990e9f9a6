import { Injectable } from '@nestjs/common';
import { IsNull, LessThan, type EntityManager } from 'typeorm';
import { Db } from '../../../common/context/db.js';
import { EntityRepository } from '../../../common/database/entity-repository.js';
import { andWhere, tenantScope } from '../../../common/database/tenant-scope.js';
import { paginate, type Page, type PageQuery } from '../../../common/http/pagination.js';
import type { EdgeConsumerTg } from '../../../contracts/edge-snapshot.js';
import { ConsumerTgEntity } from './consumer-tg.entity.js';

/** An active consumer TG as the edges get it, its token still sealed. */
export type SealedEdgeConsumerTg = Omit<EdgeConsumerTg, 'token'> & { tokenSealed: string };

/** The `consumer_tgs` table, for the consumer TG registrations and the edges' snapshot. */
@Injectable()
export class ConsumerTgsRepository extends EntityRepository<ConsumerTgEntity> {
  constructor(db: Db) {
    super(db, ConsumerTgEntity);
  }

  async delete(id: string): Promise<void> {
    await this.rows.delete({ id });
  }

  /** The tenant's consumer TG (on `trunkId` when given), locked for the rest of the transaction when `forUpdate`. */
  find(
    tenantId: string,
    trunkId: string | undefined,
    id: string,
    forUpdate: boolean,
  ): Promise<ConsumerTgEntity | null> {
    return this.rows.findOne({
      where: { id, tenantId, ...(trunkId ? { trunkId } : {}) },
      ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  page(tenantId: string, page: PageQuery, trunkId?: string): Promise<Page<ConsumerTgEntity>> {
    const qb = this.rows.createQueryBuilder('c').where('c.tenant_id = :tenantId', { tenantId });
    if (trunkId) qb.andWhere('c.trunk_id = :trunkId', { trunkId });
    return paginate(qb, page, { alias: 'c', timeColumn: 'createdAt' });
  }

  /** The registration as stored now, whoever owns it (the verification job). */
  findById(id: string): Promise<ConsumerTgEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /**
   * Records a verification outcome if the registration is still at `tg.version`, without bumping the version (which
   * marks user edits that supersede the job). Returns whether it was recorded.
   */
  async settleVerification(
    tg: Pick<ConsumerTgEntity, 'id' | 'version'>,
    changes: Partial<ConsumerTgEntity>,
    attempt: number,
  ): Promise<boolean> {
    const [, affected] = (await this.db.manager.query(
      `UPDATE consumer_tgs
          SET state = COALESCE($3, state), state_reason = $4, verify_attempts = $5,
              handlers_uri = COALESCE($6, handlers_uri), calls_uri = COALESCE($7, calls_uri),
              verified_at = COALESCE($8, verified_at), updated_at = now()
        WHERE id = $1 AND version = $2`,
      [
        tg.id,
        tg.version,
        changes.state ?? null,
        changes.stateReason ?? null,
        attempt,
        changes.handlersUri ?? null,
        changes.callsUri ?? null,
        changes.verifiedAt ?? null,
      ],
    )) as [unknown, number];
    return !!affected;
  }

  /** Up to 1000 registrations whose token expires before `before` and that were not warned about yet. */
  expiringUnwarned(before: Date): Promise<ConsumerTgEntity[]> {
    return this.rows.find({
      where: { tokenWarnedAt: IsNull(), tokenExpires: LessThan(before) },
      take: 1000,
    });
  }

  async markWarned(id: string): Promise<void> {
    await this.rows.update({ id }, { tokenWarnedAt: new Date() });
  }

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
      priority: c.priority,
    }));
  }
}
