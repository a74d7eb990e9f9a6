import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../common/config/app-config.js';
import { REDIS } from '../../common/redis/redis.module.js';
import { CallRecordStore } from '../../contracts/call-record-store.js';
import { EdgeFleetStore } from '../../contracts/edge-registry.js';
import { CallsAdminController } from './calls-admin.controller.js';
import { CdrProcessor } from '../cdrs/cdr.processor.js';
import { CdrsController } from '../cdrs/cdrs.controller.js';
import { CdrsRepository } from '../cdrs/cdrs.repository.js';
import { EdgeConfigService } from './edge-config.service.js';
import { EdgeReaperProcessor } from './edge-reaper.processor.js';
import { EdgesController } from './edges.controller.js';
import { NumbersModule } from '../numbers/numbers.module.js';
import { OauthModule } from '../oauth/oauth.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { RiptTgsModule } from '../trunks/ript/ript-tgs.module.js';
import { TrunksModule } from '../trunks/trunks.module.js';

/** The control plane's side of driving the edges: configuration snapshots, the edge registry, live calls, CDRs. */
@Module({
  imports: [TenantsModule, TrunksModule, NumbersModule, RiptTgsModule, OauthModule],
  controllers: [EdgesController, CdrsController, CallsAdminController],
  providers: [
    EdgeConfigService,
    CdrsRepository,
    CdrProcessor,
    EdgeReaperProcessor,
    {
      provide: CallRecordStore,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis, config: AppConfig) => new CallRecordStore(redis, config.env.RIPTRUNK_REDIS_PREFIX),
    },
    {
      provide: EdgeFleetStore,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis, config: AppConfig) => new EdgeFleetStore(redis, config.env.RIPTRUNK_REDIS_PREFIX),
    },
  ],
})
export class EdgeControlModule {}
