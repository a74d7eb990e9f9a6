import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { QUEUES } from '../../contracts/queues.js';
import { CdrValidationError, parseCallDetailRecord } from '../../contracts/cdr.js';
import { CdrsRepository } from './cdrs.repository.js';

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

  constructor(private readonly cdrs: CdrsRepository) {
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
    return (await this.cdrs.insertOnce(cdr)) ? 'stored' : 'duplicate';
  }
}
