import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { onCommit } from '../context/request-context.js';
import { REDIS } from '../redis/redis.module.js';

import { configVersionKey, controlChannel, type ControlEvent } from '../../contracts/control-events.js';

export type { ControlEvent, VersionedControlEvent } from '../../contracts/control-events.js';

/** Numbers each event (INCR) and publishes it, atomically, so a subscriber can see that it missed one. */
const PUBLISH_VERSIONED = `
local version = redis.call('INCR', KEYS[1])
local message = string.sub(ARGV[1], 1, -2) .. ',"version":' .. version .. '}'
redis.call('PUBLISH', KEYS[2], message)
return version`;

@Injectable()
export class ControlEvents {
  private readonly channel: string;
  private readonly versionKey: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: AppConfig,
  ) {
    this.channel = controlChannel(config.env.RIPTRUNK_REDIS_PREFIX);
    this.versionKey = configVersionKey(config.env.RIPTRUNK_REDIS_PREFIX);
  }

  /** The number of the last event published; a snapshot taken after reading it includes every change up to it. */
  async currentVersion(): Promise<number> {
    return Number((await this.redis.get(this.versionKey)) ?? 0);
  }

  /** Publishes once the current transaction has committed, so listeners never read data older than the event. */
  publish(event: ControlEvent): void {
    onCommit(async () => {
      await this.redis.eval(
        PUBLISH_VERSIONED,
        2,
        this.versionKey,
        this.channel,
        JSON.stringify({ ...event, at: Date.now() }),
      );
    });
  }
}
