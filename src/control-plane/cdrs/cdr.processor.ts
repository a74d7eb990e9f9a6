import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { QUEUES } from '../../contracts/queues.js';
import { CdrValidationError, parseCallDetailRecord, type CallDetailRecord } from '../../contracts/cdr.js';

/** Retry delay of a CDR job (backoff type `cdr`): doubling from 1 s, at most 5 min. */
export function cdrBackoff(attemptsMade: number): number {
  return Math.min(1000 * 2 ** Math.max(attemptsMade - 1, 0), 300_000);
}

/**
 * Stores the CDRs the edges queue. A CDR already stored (a job delivered again, or queued twice by an edge) is a
 * no-op. A failure (Postgres down) is retried with backoff; an invalid CDR fails the job at once, which stays in the
 * queue's failed set for an operator to look at.
 */
@Processor(QUEUES.cdrs, { concurrency: 8, settings: { backoffStrategy: cdrBackoff } })
export class CdrProcessor extends WorkerHost {
  private readonly logger = new Logger(CdrProcessor.name);

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async process(job: Job<unknown>): Promise<'stored' | 'duplicate'> {
    let cdr;
    try {
      cdr = parseCallDetailRecord(job.data);
    } catch (err) {
      if (!(err instanceof CdrValidationError)) throw err;
      this.logger.error(`CDR job ${job.id} refused: ${err.message}`);
      throw new UnrecoverableError(err.message);
    }
    return (await storeCdr(this.dataSource, cdr)) ? 'stored' : 'duplicate';
  }
}

/** Stores a CDR once (its id is the call's); returns false if it was stored before. */
export async function storeCdr(dataSource: DataSource, cdr: CallDetailRecord): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `INSERT INTO cdrs (id, edge_id, tenant_id, trunk_id, direction, from_number, to_number, started_at, answered_at,
       ended_at, reason, frames_received, frames_sent, bytes_received, bytes_sent, loss_received, loss_sent,
       max_jitter_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
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
    ],
  );
  return rows.length > 0;
}
