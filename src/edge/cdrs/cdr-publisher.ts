import { appendFileSync, createReadStream, existsSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../common/config/app-config.js';
import { QUEUES } from '../../contracts/queues.js';
import { EdgeRegistry } from '../config/edge-registry.js';
import { parseCallDetailRecord, type CallDetailRecord } from '../../contracts/cdr.js';

export const CDR_JOB = 'cdr';

/**
 * Retries of a CDR job on the control plane (a failure there means Postgres is unreachable): the custom backoff
 * `cdr` of the control plane's worker, doubling from 1 s up to 5 min, for about a week in all.
 */
export const CDR_JOB_OPTIONS: JobsOptions = {
  attempts: 2000,
  backoff: { type: 'cdr', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: false,
};

/** How long publish() waits for Redis before spooling the CDR to disk. */
const PUBLISH_TIMEOUT_MS = 2000;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

class Timeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(`no answer from Redis within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Sends the edge's CDRs to the control plane through the BullMQ queue `cdrs`, one job per call with the call id as
 * job id (a CDR queued twice is one job; the control plane stores each call id once anyway).
 *
 * Not losing CDRs: once queued, a CDR lives in Redis (which must persist with AOF in production) until the control
 * plane has written it, whatever restarts. When Redis does not answer at publish time, the CDR is appended to a spool
 * file (`<data dir>/cdr-spool/<edge id>.jsonl`, JSON lines) and kept in a bounded in-memory buffer that is retried
 * with backoff; the spool file is deleted once everything in it is queued, and replayed when the edge starts (set
 * RIPTRUNK_EDGE_ID to a stable id per instance, with a persistent data dir, for that). A buffer overflow drops
 * records from memory only: they are replayed from the spool file.
 */
@Injectable()
export class CdrPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CdrPublisher.name);
  /** Largest number of CDRs retried from memory; adjustable for tests. */
  maxBuffered = 10_000;
  publishTimeoutMs = PUBLISH_TIMEOUT_MS;
  private queue?: Queue;
  /** The queue's connection, to fail fast while it is down (commands would wait for a reconnection). */
  private redis?: Pick<Redis, 'status'>;
  private readonly buffer: CallDetailRecord[] = [];
  /** The spool file may hold CDRs that are neither queued nor in the buffer: replay it once the buffer is empty. */
  private backlog = false;
  private timer?: NodeJS.Timeout;
  private retryMs = RETRY_MIN_MS;
  private flushing?: Promise<void>;
  private closed = false;
  private lastWarning = 0;
  /** The first line this process appends starts on a line of its own, in case a crash cut the file's last one. */
  private startLine = '\n';
  readonly spoolPath: string;
  private readonly replayPath: string;

  constructor(
    private readonly config: AppConfig,
    registry: EdgeRegistry,
  ) {
    const dir = join(config.dataDir, 'cdr-spool');
    this.spoolPath = join(dir, `${registry.id}.jsonl`);
    this.replayPath = `${this.spoolPath}.replay`;
  }

  onModuleInit(): void {
    this.queue = new Queue(QUEUES.cdrs, {
      connection: { url: this.config.env.REDIS_URL, maxRetriesPerRequest: null },
      prefix: this.config.env.RIPTRUNK_REDIS_PREFIX,
    });
    this.queue.on('error', (err) => this.warn(`CDR queue: ${err.message}`));
    void this.queue
      .getBackend()
      .client.then((client) => (this.redis = client as unknown as Pick<Redis, 'status'>))
      .catch(() => undefined);
    if (existsSync(this.spoolPath) || existsSync(this.replayPath)) {
      this.backlog = true;
      this.schedule(0);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.flushing?.catch(() => undefined);
    const queue = this.queue;
    if (!queue) return;
    // Whatever is not queued is in the spool file; a Redis that is down must not hold the shutdown.
    await withTimeout(queue.close(), 2000).catch(() => queue.disconnect().catch(() => undefined));
  }

  /**
   * Queues the CDR of an ended call. Resolves once it is in Redis, or in the spool file when Redis does not answer
   * (also after shutdown: it is then queued at the next start). Rejects for an invalid CDR (a CdrValidationError naming
   * the bad fields), or when the spool file cannot be written either.
   */
  async publish(cdr: CallDetailRecord): Promise<void> {
    const clean = parseCallDetailRecord(cdr);
    if (!this.buffer.length && !this.backlog) {
      try {
        await this.enqueue(clean);
        return;
      } catch (err) {
        this.warn(`CDR ${clean.callId} spooled, Redis unavailable: ${(err as Error).message}`);
      }
    }
    this.spool(clean);
  }

  /** CDRs waiting in memory for Redis (the spool file may hold more). */
  get pending(): number {
    return this.buffer.length;
  }

  /** Tries now to queue what is waiting (buffer, then spool file); resolves when that attempt is over. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async enqueue(cdr: CallDetailRecord): Promise<void> {
    const queue = this.queue;
    if (!queue || this.closed) throw new Error('the CDR publisher is closed');
    if (this.redis && this.redis.status !== 'ready') throw new Error(`Redis connection ${this.redis.status}`);
    await withTimeout(queue.add(CDR_JOB, cdr, { ...CDR_JOB_OPTIONS, jobId: cdr.callId }), this.publishTimeoutMs);
  }

  /**
   * Appends to the spool file and buffers. Synchronous on purpose: between the append and the push nothing else runs,
   * so every spooled CDR not yet queued is in the buffer unless `backlog` says otherwise.
   */
  private spool(cdr: CallDetailRecord): void {
    mkdirSync(join(this.config.dataDir, 'cdr-spool'), { recursive: true, mode: 0o700 });
    appendFileSync(this.spoolPath, `${this.startLine}${JSON.stringify(cdr)}\n`, { mode: 0o600 });
    this.startLine = '';
    if (this.buffer.length < this.maxBuffered) this.buffer.push(cdr);
    else this.backlog = true;
    this.schedule(this.retryMs);
  }

  private schedule(ms: number): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        while (this.buffer.length) {
          await this.enqueue(this.buffer[0]);
          this.buffer.shift();
        }
        if (!this.backlog) break;
        await this.replay();
      }
      // Synchronously after the check: everything in the spool file is queued.
      if (existsSync(this.spoolPath)) unlinkSync(this.spoolPath);
      this.retryMs = RETRY_MIN_MS;
    } catch (err) {
      this.warn(`CDRs still waiting for Redis (${this.buffer.length} in memory): ${(err as Error).message}`);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      this.schedule(this.retryMs);
    }
  }

  /**
   * Queues every CDR of the spool file, line by line, after moving it aside (so that spooling goes on in a fresh
   * file, holding only buffered CDRs until the next overflow); the moved file is deleted once all of it is queued,
   * and read again from the start after a failure. Queuing a CDR twice is harmless.
   */
  private async replay(): Promise<void> {
    while (this.backlog) {
      if (!existsSync(this.replayPath)) {
        if (!existsSync(this.spoolPath)) {
          this.backlog = false;
          return;
        }
        renameSync(this.spoolPath, this.replayPath);
        this.backlog = false;
      }
      try {
        const replayed = await this.replayFile();
        this.logger.log(`replayed ${replayed} spooled CDRs`);
      } catch (err) {
        this.backlog = true;
        throw err;
      }
      unlinkSync(this.replayPath);
    }
  }

  private async replayFile(): Promise<number> {
    const lines = createInterface({ input: createReadStream(this.replayPath, 'utf8'), crlfDelay: Infinity });
    let replayed = 0;
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        let cdr: CallDetailRecord;
        try {
          cdr = parseCallDetailRecord(JSON.parse(line));
        } catch (err) {
          // A line cut short by a crash while appending, most likely.
          this.logger.error(`dropping an unreadable spooled CDR: ${(err as Error).message}: ${line.slice(0, 300)}`);
          continue;
        }
        await this.enqueue(cdr);
        replayed++;
      }
    } finally {
      lines.close();
    }
    return replayed;
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarning < 10_000) return;
    this.lastWarning = Date.now();
    this.logger.warn(message);
  }
}
