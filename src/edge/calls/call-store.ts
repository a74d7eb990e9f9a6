import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../common/config/app-config.js';
import { REDIS } from '../../common/redis/redis.module.js';
import { CallRecordStore } from '../../contracts/call-record-store.js';

/** Live call state in Redis (profile §1: a sibling edge can describe, and later take over, a call). */
@Injectable()
export class CallStore extends CallRecordStore {
  constructor(@Inject(REDIS) redis: Redis, config: AppConfig) {
    super(redis, config.env.RIPTRUNK_REDIS_PREFIX);
  }
}
