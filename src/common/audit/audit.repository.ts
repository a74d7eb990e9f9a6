import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { Db } from '../context/db.js';
import { paginate, type Page, type PageQuery } from '../http/pagination.js';
import { AuditEventEntity } from './audit-event.entity.js';

export interface AuditEventFilter extends PageQuery {
  tenantId?: string;
  resourceType?: string;
  resourceId?: string;
  action?: string;
  actor?: string;
  since?: Date;
  until?: Date;
}

/** The audit log's table: events are written in the current transaction and read newest first. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<AuditEventEntity, 'at'>): Promise<void> {
    await this.db.repo(AuditEventEntity).insert(row as QueryDeepPartialEntity<AuditEventEntity>);
  }

  /** When the tenant's latest event of this action happened, or null if there is none. */
  async lastAt(tenantId: string, action: string): Promise<Date | null> {
    const rows = (await this.db.manager.query(
      'SELECT max(at) AS at FROM audit_events WHERE tenant_id = $1 AND action = $2',
      [tenantId, action],
    )) as { at: Date | null }[];
    return rows[0]?.at ? new Date(rows[0].at) : null;
  }

  page(q: AuditEventFilter): Promise<Page<AuditEventEntity>> {
    const qb = this.db.repo(AuditEventEntity).createQueryBuilder('a');
    for (const field of ['tenantId', 'resourceType', 'resourceId', 'action', 'actor'] as const) {
      if (q[field]) qb.andWhere(`a.${field} = :${field}`, { [field]: q[field] });
    }
    if (q.since) qb.andWhere('a.at >= :since', { since: q.since });
    if (q.until) qb.andWhere('a.at < :until', { until: q.until });
    return paginate(qb, q, { alias: 'a', timeColumn: 'at', order: 'DESC' });
  }
}
