import { Injectable } from '@nestjs/common';
import type { DeepPartial } from 'typeorm';
import { Db } from '../../../common/context/db.js';
import { paginate, type Page } from '../../../common/http/pagination.js';
import type { ListOnboardingCodesQuery } from './onboarding-code.dto.js';
import { OnboardingCodeEntity, type OnboardingCodeStatus } from './onboarding-code.entity.js';

/** A code as redemption sees it: its state, and whether its tenant is active. */
export interface OnboardingCodeState {
  id: string;
  tenant_id: string;
  used: boolean;
  revoked: boolean;
  expired: boolean;
  tenant_status: string;
}

/** The rows of each status (a used code stays used whatever its expiry; a revoked one was never used). */
const STATUS_FILTERS: Record<OnboardingCodeStatus, string> = {
  used: 'c.usedAt IS NOT NULL',
  revoked: 'c.usedAt IS NULL AND c.revokedAt IS NOT NULL',
  expired: 'c.usedAt IS NULL AND c.revokedAt IS NULL AND c.expiresAt <= now()',
  active: 'c.usedAt IS NULL AND c.revokedAt IS NULL AND c.expiresAt > now()',
};

/**
 * The `onboarding_codes` table. Redemption reads the tenant's status in the same statement, so that a code is never
 * used for a tenant that is suspended at that instant.
 */
@Injectable()
export class OnboardingCodesRepository {
  constructor(private readonly db: Db) {}

  /** The tenant's code, locked for the rest of the transaction when `forUpdate`. */
  find(tenantId: string, id: string, options: { forUpdate: boolean }): Promise<OnboardingCodeEntity | null> {
    return options.forUpdate
      ? this.db.repo(OnboardingCodeEntity).findOne({ where: { id, tenantId }, lock: { mode: 'pessimistic_write' } })
      : this.db.repo(OnboardingCodeEntity).findOneBy({ id, tenantId });
  }

  page(tenantId: string, query: ListOnboardingCodesQuery): Promise<Page<OnboardingCodeEntity>> {
    const qb = this.db.repo(OnboardingCodeEntity).createQueryBuilder('c').where('c.tenantId = :tenantId', { tenantId });
    if (query.status) qb.andWhere(STATUS_FILTERS[query.status]);
    return paginate(qb, query, { alias: 'c', timeColumn: 'createdAt' });
  }

  /** Inserts the code and reads it back (with the database's defaults). */
  async insert(fields: DeepPartial<OnboardingCodeEntity>): Promise<OnboardingCodeEntity> {
    const repo = this.db.repo(OnboardingCodeEntity);
    const entity = repo.create(fields);
    await repo.insert(entity);
    return repo.findOneByOrFail({ id: entity.id });
  }

  async markRevoked(id: string, revokedAt: Date): Promise<void> {
    await this.db.repo(OnboardingCodeEntity).update({ id }, { revokedAt });
  }

  /** Marks the code used by `clientId` if it is usable now (and its tenant active); null when it is not. */
  async redeem(hash: string, clientId: string): Promise<{ id: string; tenant_id: string } | null> {
    const [rows] = (await this.db.manager.query(
      `UPDATE onboarding_codes c SET used_at = now(), used_by_client_id = $2
         FROM tenants t
        WHERE c.code_hash = $1 AND c.used_at IS NULL AND c.revoked_at IS NULL AND c.expires_at > now()
          AND t.id = c.tenant_id AND t.status = 'active'
        RETURNING c.id, c.tenant_id`,
      [hash, clientId],
    )) as [{ id: string; tenant_id: string }[], number];
    return rows[0] ?? null;
  }

  async stateOf(hash: string): Promise<OnboardingCodeState | null> {
    const [row] = (await this.db.manager.query(
      `SELECT c.id, c.tenant_id, c.used_at IS NOT NULL AS used, c.revoked_at IS NOT NULL AS revoked,
              c.expires_at <= now() AS expired, t.status AS tenant_status
         FROM onboarding_codes c JOIN tenants t ON t.id = c.tenant_id
        WHERE c.code_hash = $1`,
      [hash],
    )) as OnboardingCodeState[];
    return row ?? null;
  }
}
