import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { HealthController } from './health.controller.js';
import { INTERNAL_PORT_SETTING, InternalServer, type InternalPortSetting } from './internal-server.js';
import { MetricsRegistry } from './metrics.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness.js';

export function redisCheck(redis: Redis): ReadinessCheck {
  return { name: 'redis', check: async () => void (await redis.ping()) };
}

@Global()
@Module({})
export class HealthModule {
  /**
   * Health and readiness on the public port, metrics and readiness details on the internal one (its port is the
   * setting `internalPort`); `checks` supplies this process's readiness checks.
   */
  static register(
    checks: Omit<Extract<Provider, { useFactory: unknown }>, 'provide'>,
    internalPort: InternalPortSetting,
  ): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [
        MetricsRegistry,
        { provide: READINESS_CHECKS, ...checks },
        { provide: INTERNAL_PORT_SETTING, useValue: internalPort },
        InternalServer,
      ],
      exports: [MetricsRegistry, InternalServer],
    };
  }
}
