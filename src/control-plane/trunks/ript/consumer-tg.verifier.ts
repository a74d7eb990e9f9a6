import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { request, type Agent } from 'undici';
import { AuditService } from '../../../common/audit/audit.service.js';
import { AppConfig } from '../../../common/config/app-config.js';
import { runInTransaction } from '../../../common/context/request-context.js';
import { createOutboundAgent, outboundCas } from '../../../common/http/outbound.js';
import { QUEUES } from '../../../contracts/queues.js';
import type { ConsumerTgEntity } from './consumer-tg.entity.js';
import { ConsumerTgsRepository } from './consumer-tgs.repository.js';
import { ConsumerTgsService } from './consumer-tgs.service.js';

const MAX_DOCUMENT_BYTES = 64 * 1024;
export const WARN_EXPIRING_TOKENS = 'warn-expiring-tokens';

export class VerificationError extends Error {}

function httpsLink(doc: Record<string, unknown>, name: string): string {
  const value = (doc.links as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== 'string' || !value.startsWith('https://')) {
    throw new VerificationError(`the TG description has no https links.${name}`);
  }
  return value;
}

/**
 * Verifies a consumer TG registration: an HTTPS GET of the URI with the registered token must answer a TG
 * description (JSON with https `links.handlers` and `links.calls`). Retries with exponential backoff; after the last
 * attempt the registration is `failed` with the reason.
 */
@Processor(QUEUES.consumerTgs)
export class ConsumerTgVerifier extends WorkerHost implements OnModuleDestroy, OnApplicationBootstrap {
  private readonly logger = new Logger(ConsumerTgVerifier.name);
  private readonly agent: Agent;

  constructor(
    private readonly dataSource: DataSource,
    private readonly consumerTgs: ConsumerTgsService,
    private readonly audit: AuditService,
    private readonly tgs: ConsumerTgsRepository,
    @InjectQueue(QUEUES.consumerTgs) private readonly queue: Queue,
    config: AppConfig,
  ) {
    super();
    this.agent = createOutboundAgent({
      allowPrivate: config.env.RIPTRUNK_ALLOW_PRIVATE_TARGETS,
      ca: outboundCas(config),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      WARN_EXPIRING_TOKENS,
      { every: 600_000 },
      { name: WARN_EXPIRING_TOKENS, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }

  async process(job: Job<{ id: string; version: number }>): Promise<string> {
    if (job.name === WARN_EXPIRING_TOKENS) {
      const warned = await runInTransaction(this.dataSource, `job:${job.id}`, () =>
        this.consumerTgs.warnExpiringTokens(),
      );
      return `warned ${warned}`;
    }
    const tg = await this.tgs.findById(job.data.id);
    if (!tg || tg.version !== job.data.version) return 'superseded';
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    try {
      const links = await this.check(tg);
      await this.settle(
        tg,
        job,
        {
          state: 'active',
          stateReason: null,
          handlersUri: links.handlers,
          callsUri: links.calls,
          verifiedAt: new Date(),
        },
        attempt,
      );
      return 'active';
    } catch (err) {
      const reason = this.describe(err);
      this.logger.warn(`consumer TG ${tg.id} verification attempt ${attempt} failed: ${reason}`);
      await this.settle(
        tg,
        job,
        lastAttempt ? { state: 'failed', stateReason: reason } : { stateReason: reason },
        attempt,
      );
      if (lastAttempt) return 'failed';
      throw new Error(reason); // BullMQ retries with backoff
    }
  }

  private async check(tg: ConsumerTgEntity): Promise<{ handlers: string; calls: string }> {
    const res = await request(tg.uri, {
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.consumerTgs.token(tg)}`, accept: 'application/json' },
      maxRedirections: 0,
    } as never);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_DOCUMENT_BYTES) {
        res.body.destroy();
        throw new VerificationError('the TG description is larger than 64 KiB');
      }
      chunks.push(chunk as Buffer);
    }
    if (res.statusCode !== 200) throw new VerificationError(`GET ${tg.uri} answered ${res.statusCode}`);
    let doc: unknown;
    try {
      doc = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new VerificationError('the answer is not JSON');
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc))
      throw new VerificationError('the answer is not a TG description');
    return {
      handlers: httpsLink(doc as Record<string, unknown>, 'handlers'),
      calls: httpsLink(doc as Record<string, unknown>, 'calls'),
    };
  }

  private describe(err: unknown): string {
    if (err instanceof VerificationError) return err.message;
    const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const code = e.code ?? e.cause?.code;
    if (code === 'EPRIVATE' || e.cause?.code === 'EPRIVATE') return 'the URI resolves to a loopback or private address';
    if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return `TLS certificate not trusted (${code})`;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND') return 'host not found';
    return `request failed: ${code ?? e.message}`;
  }

  /** Records the outcome without bumping the row version (which marks user edits that supersede this job). */
  private async settle(
    tg: ConsumerTgEntity,
    job: Job,
    changes: Partial<ConsumerTgEntity>,
    attempt: number,
  ): Promise<void> {
    await runInTransaction(this.dataSource, `job:${job.id}`, async () => {
      const recorded = await this.tgs.settleVerification(tg, changes, attempt);
      if (!recorded || !changes.state) return;
      await this.audit.record({
        action: `consumer-tg.${changes.state === 'active' ? 'verified' : 'verification-failed'}`,
        resourceType: 'consumer-tg',
        resourceId: tg.id,
        tenantId: tg.tenantId,
        severity: changes.state === 'failed' ? 'warning' : 'info',
        after: { state: changes.state, reason: changes.stateReason ?? null, attempts: attempt },
      });
      this.consumerTgs.changed(tg);
    });
  }
}
