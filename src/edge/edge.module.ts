import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { GLOBAL_PROVIDERS } from '../common/http/global-providers.js';
import { AppConfig } from '../common/config/app-config.js';
import { ConfigModule } from '../common/config/config.module.js';
import { HealthModule, redisCheck } from '../common/health/health.module.js';
import { LoggingModule } from '../common/logging/logging.module.js';
import { REDIS, RedisModule } from '../common/redis/redis.module.js';
import { ControlPlaneClient } from './config/control-plane.client.js';
import { EdgeAuthGuard } from './config/edge-auth.guard.js';
import { EdgeConfigStore } from './config/edge-config.store.js';
import { EdgeRegistry } from './config/edge-registry.js';
import { EdgeTokenVerifier } from './config/edge-token.verifier.js';
import { TgController } from './config/tg.controller.js';
import { CdrPublisher } from './cdrs/cdr-publisher.js';
import { CallsModule } from './calls/calls.module.js';
import { EdgeStirService } from './stir/edge-stir.service.js';

/** The edge's configuration: its copy of the control plane's data, token checks and registration. */
@Global()
@Module({
  controllers: [TgController],
  providers: [
    ControlPlaneClient,
    EdgeConfigStore,
    EdgeTokenVerifier,
    EdgeRegistry,
    EdgeStirService,
    CdrPublisher,
    { provide: APP_GUARD, useClass: EdgeAuthGuard },
  ],
  exports: [ControlPlaneClient, EdgeConfigStore, EdgeTokenVerifier, EdgeRegistry, EdgeStirService, CdrPublisher],
})
export class EdgeConfigModule {}

@Module({})
export class EdgeModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: EdgeModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot('edge'),
        RedisModule,
        EdgeConfigModule,
        CallsModule,
        HealthModule.register(
          {
            inject: [REDIS, EdgeConfigStore],
            useFactory: (redis: Redis, store: EdgeConfigStore) => [
              redisCheck(redis),
              {
                name: 'configuration',
                check: async () => {
                  if (!store.loaded) throw new Error('no configuration from the control plane yet');
                },
              },
            ],
          },
          'RIPTRUNK_EDGE_INTERNAL_PORT',
        ),
      ],
      providers: [...GLOBAL_PROVIDERS],
    };
  }
}
