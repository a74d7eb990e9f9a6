import type { DynamicModule } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { ReadinessCheck } from '../common/health/readiness.js';
import { HealthModule, redisCheck } from '../common/health/health.module.js';
import { REDIS } from '../common/redis/redis.module.js';

/** The control plane is ready with Postgres up, no migration pending, and Redis up. */
export function controlPlaneChecks(dataSource: DataSource, redis: Redis): ReadinessCheck[] {
  return [
    { name: 'postgres', check: async () => void (await dataSource.query('SELECT 1')) },
    {
      name: 'migrations',
      check: async () => {
        if (await dataSource.showMigrations()) throw new Error('pending migrations: run `npm run migrate`');
      },
    },
    redisCheck(redis),
  ];
}

export function controlPlaneHealth(): DynamicModule {
  return HealthModule.register(
    { inject: [DataSource, REDIS], useFactory: controlPlaneChecks },
    'RIPTRUNK_INTERNAL_PORT',
  );
}
