import { Injectable } from '@nestjs/common';
import { Db } from '../../common/context/db.js';
import { paginate, type Page, type PageQuery } from '../../common/http/pagination.js';
import type { CallDetailRecord } from '../../contracts/cdr.js';
import { CdrEntity } from './cdr.entity.js';

export interface CdrFilter extends PageQuery {
  tenantId?: string;
  trunkId?: string;
  number?: string;
  since?: Date;
  until?: Date;
}

/** The `cdrs` table: each call's record stored once, listed newest first. */
@Injectable()
export class CdrsRepository {
  constructor(private readonly db: Db) {}

  /** Newest first (by end of call); `since`/`until` bound the end time. */
  page(filter: CdrFilter): Promise<Page<CdrEntity>> {
    const qb = this.db.repo(CdrEntity).createQueryBuilder('c');
    if (filter.tenantId) qb.andWhere('c.tenant_id = :tenantId', { tenantId: filter.tenantId });
    if (filter.trunkId) qb.andWhere('c.trunk_id = :trunkId', { trunkId: filter.trunkId });
    if (filter.number) qb.andWhere('(c.from_number = :number OR c.to_number = :number)', { number: filter.number });
    if (filter.since) qb.andWhere('c.ended_at >= :since', { since: filter.since });
    if (filter.until) qb.andWhere('c.ended_at < :until', { until: filter.until });
    return paginate(qb, filter, { alias: 'c', timeColumn: 'endedAt', order: 'DESC' });
  }

  /** Stores a CDR once (its id is the call's); returns false if it was stored before. */
  async insertOnce(cdr: CallDetailRecord): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      `INSERT INTO cdrs (id, edge_id, tenant_id, trunk_id, direction, from_number, to_number, started_at, answered_at,
         ended_at, reason, frames_received, frames_sent, bytes_received, bytes_sent, loss_received, loss_sent,
         max_jitter_ms, sip_call_id, sip_status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [
        cdr.callId,
        cdr.edgeId,
        cdr.tenantId,
        cdr.trunkId,
        cdr.direction,
        cdr.from,
        cdr.to,
        cdr.startedAt,
        cdr.answeredAt,
        cdr.endedAt,
        cdr.reason,
        cdr.framesReceived,
        cdr.framesSent,
        cdr.bytesReceived,
        cdr.bytesSent,
        cdr.lossReceived,
        cdr.lossSent,
        cdr.maxJitterMs,
        cdr.sipCallId,
        cdr.sipStatus,
      ],
    );
    return rows.length > 0;
  }
}
