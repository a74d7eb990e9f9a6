import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { QUEUES } from '../../contracts/queues.js';
import { SigningKeysService } from './signing-keys.service.js';

export const ROTATE_SIGNING_KEY = 'rotate-signing-key';
export const PURGE_EXPIRED = 'purge-expired';

/** Scheduled maintenance: signing key rotation and clean-up of expired keys and idempotency records. */
@Processor(QUEUES.maintenance)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue,
    private readonly keys: SigningKeysService,
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      ROTATE_SIGNING_KEY,
      { every: this.config.env.RIPTRUNK_KEY_ROTATION_HOURS * 3_600_000 },
      { name: ROTATE_SIGNING_KEY, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
    await this.queue.upsertJobScheduler(
      PURGE_EXPIRED,
      { every: 3_600_000 },
      { name: PURGE_EXPIRED, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case ROTATE_SIGNING_KEY:
        return { kid: await this.keys.rotate() };
      case PURGE_EXPIRED: {
        const keys = await this.keys.purgeExpired();
        const idempotency = await this.dataSource.query(
          `DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'`,
        );
        this.logger.log(`purged ${keys} signing keys and ${idempotency[1] ?? 0} idempotency records`);
        return { keys };
      }
      default:
        throw new Error(`unknown maintenance job ${job.name}`);
    }
  }
}
