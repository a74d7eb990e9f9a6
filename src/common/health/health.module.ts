import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { HealthController, READINESS_CHECKS, type ReadinessCheck } from './health.controller.js';
import { MetricsRegistry } from './metrics.js';

export function redisCheck(redis: Redis): ReadinessCheck {
  return { name: 'redis', check: async () => void (await redis.ping()) };
}

@Global()
@Module({})
export class HealthModule {
  /** Health, readiness and metrics endpoints; `checks` supplies this process's readiness checks. */
  static register(checks: Omit<Extract<Provider, { useFactory: unknown }>, 'provide'>): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [MetricsRegistry, { provide: READINESS_CHECKS, ...checks }],
      exports: [MetricsRegistry],
    };
  }
}
