import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config.js';
import { QueueMetrics } from './queue-metrics.js';
import { QUEUES } from '../../contracts/queues.js';

const queues = Object.values(QUEUES).map((name) => ({ name }));

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: { url: config.env.REDIS_URL, maxRetriesPerRequest: null },
        prefix: config.env.RIPTRUNK_REDIS_PREFIX,
      }),
    }),
    BullModule.registerQueue(...queues),
  ],
  providers: [QueueMetrics],
  exports: [BullModule],
})
export class JobsModule {}
