import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AuditService } from '../../../common/audit/audit.service.js';
import { AppConfig } from '../../../common/config/app-config.js';
import { onCommit } from '../../../common/context/request-context.js';
import { SecretBox } from '../../../common/crypto/secret-box.js';
import { ControlEvents } from '../../../common/events/control-events.js';
import { newId } from '../../../common/http/ids.js';
import { checkTargetUrl, OutboundTargetError } from '../../../common/http/outbound.js';
import type { Page, PageQuery } from '../../../common/http/pagination.js';
import { ProblemException } from '../../../common/http/problem.js';
import { QUEUES } from '../../../contracts/queues.js';
import { isPatternWithin, NumberPatternError, parseNumberPattern, formatNumberPattern } from '@riptrunk/ript';
import type { ConsumerTgEntity } from './consumer-tg.entity.js';
import { ConsumerTgsRepository } from './consumer-tgs.repository.js';
import type { RegisterConsumerTgDto, UpdateConsumerTgDto } from './consumer-tg.dto.js';
import { NumberRangesRepository } from '../../numbers/number-ranges.repository.js';
import { TenantsRepository } from '../../tenants/tenants.repository.js';

export const VERIFY_CONSUMER_TG = 'verify';

/** A consumer TG's priority when its registration gives none. */
export const DEFAULT_PRIORITY = 100;

export function consumerTgNotFound(id: string): ProblemException {
  return ProblemException.of('consumer-tg-not-found', `No consumer TG ${id}`);
}

/** The document a consumer TG registration answers with (profile §4, drafts' member names). */
export interface ConsumerTgView {
  id: string;
  uri: string;
  state: string;
  reason: string | null;
  'token-expires': string | null;
  outbound: { destinations: string[] };
  priority: number;
  links: { self: string; handlers: string | null; calls: string | null };
  tenantId: string;
  trunkId: string;
  createdAt: string;
  updatedAt: string;
}

@Injectable()
export class ConsumerTgsService {
  constructor(
    private readonly tgs: ConsumerTgsRepository,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly events: ControlEvents,
    @InjectQueue(QUEUES.consumerTgs) private readonly queue: Queue,
    private readonly box: SecretBox,
    private readonly ranges: NumberRangesRepository,
    private readonly tenants: TenantsRepository,
  ) {}

  selfUri(tg: Pick<ConsumerTgEntity, 'id' | 'trunkId'>): string {
    return `${this.config.publicUrl}/ript/v1/providertgs/${tg.trunkId}/consumertgs/${tg.id}`;
  }

  view(tg: ConsumerTgEntity): ConsumerTgView {
    return {
      id: tg.id,
      uri: tg.uri,
      state: tg.state,
      reason: tg.stateReason,
      'token-expires': tg.tokenExpires?.toISOString() ?? null,
      outbound: { destinations: tg.destinations },
      priority: tg.priority,
      links: { self: this.selfUri(tg), handlers: tg.handlersUri, calls: tg.callsUri },
      tenantId: tg.tenantId,
      trunkId: tg.trunkId,
      createdAt: tg.createdAt.toISOString(),
      updatedAt: tg.updatedAt.toISOString(),
    };
  }

  /** The sealed token in clear, for the verifier and the edge; never logged or returned by the API. */
  token(tg: ConsumerTgEntity): string {
    return this.box.open(tg.tokenSealed, tg.id);
  }

  async register(
    tenantId: string,
    trunkId: string,
    dto: RegisterConsumerTgDto,
    createdBy: string,
  ): Promise<ConsumerTgEntity> {
    const uri = this.checkUri(dto.uri);
    const destinations = await this.checkDestinations(tenantId, dto.outbound.destinations);
    const id = newId('ctg');
    const tg = this.tgs.create({
      id,
      tenantId,
      trunkId,
      uri,
      tokenSealed: this.box.seal(dto.token, id),
      tokenExpires: dto['token-expires'] ? new Date(dto['token-expires']) : null,
      tokenWarnedAt: null,
      destinations,
      priority: dto.priority ?? DEFAULT_PRIORITY,
      state: 'pending',
      stateReason: null,
      verifyAttempts: 0,
      handlersUri: null,
      callsUri: null,
      verifiedAt: null,
      createdBy,
    });
    await this.tgs.save(tg);
    await this.audit.record({
      action: 'consumer-tg.register',
      resourceType: 'consumer-tg',
      resourceId: id,
      tenantId,
      after: this.view(tg),
    });
    this.scheduleVerification(tg);
    return tg;
  }

  async get(tenantId: string, trunkId: string | undefined, id: string, lock = false): Promise<ConsumerTgEntity> {
    const tg = await this.tgs.find(tenantId, trunkId, id, lock);
    if (!tg) throw consumerTgNotFound(id);
    return tg;
  }

  list(tenantId: string, page: PageQuery, trunkId?: string): Promise<Page<ConsumerTgEntity>> {
    return this.tgs.page(tenantId, page, trunkId);
  }

  /**
   * Merge update; a new URI or token is verified again. A new URI sends the registration back to `pending`; a new
   * token alone keeps an `active` one active while it is verified (a rotation: the enterprise accepts both tokens
   * meanwhile, and a failed verification still ends in `failed`), so that rotating drops no call.
   */
  async update(tenantId: string, trunkId: string, id: string, dto: UpdateConsumerTgDto): Promise<ConsumerTgEntity> {
    const tg = await this.get(tenantId, trunkId, id, true);
    const before = this.view(tg);
    const newUri = dto.uri !== undefined && dto.uri !== tg.uri;
    const reverify = newUri || dto.token !== undefined;
    const staysActive = !newUri && tg.state === 'active';
    if (dto.uri !== undefined) tg.uri = this.checkUri(dto.uri);
    if (dto.token !== undefined) tg.tokenSealed = this.box.seal(dto.token, tg.id);
    if (dto['token-expires'] !== undefined) {
      tg.tokenExpires = new Date(dto['token-expires']);
      tg.tokenWarnedAt = null;
    }
    if (dto.outbound) tg.destinations = await this.checkDestinations(tenantId, dto.outbound.destinations);
    if (dto.priority !== undefined) tg.priority = dto.priority;
    if (reverify && staysActive) Object.assign(tg, { verifyAttempts: 0 });
    else if (reverify) Object.assign(tg, { state: 'pending', stateReason: null, verifyAttempts: 0 });
    await this.tgs.save(tg);
    await this.audit.record({
      action: dto.token ? 'consumer-tg.update-token' : 'consumer-tg.update',
      resourceType: 'consumer-tg',
      resourceId: id,
      tenantId,
      before,
      after: this.view(tg),
    });
    this.changed(tg);
    if (reverify) this.scheduleVerification(tg);
    return tg;
  }

  async remove(tenantId: string, trunkId: string, id: string): Promise<void> {
    const tg = await this.get(tenantId, trunkId, id, true);
    await this.tgs.delete(id);
    await this.audit.record({
      action: 'consumer-tg.delete',
      resourceType: 'consumer-tg',
      resourceId: id,
      tenantId,
      before: this.view(tg),
    });
    this.changed(tg);
  }

  /** A warning in the audit log, once per token, for each consumer TG token that expires within `withinMs`. */
  async warnExpiringTokens(withinMs = 7 * 86_400_000): Promise<number> {
    const due = await this.tgs.expiringUnwarned(new Date(Date.now() + withinMs));
    for (const tg of due) {
      await this.tgs.markWarned(tg.id);
      await this.audit.record({
        action: 'consumer-tg.token-expiring',
        resourceType: 'consumer-tg',
        resourceId: tg.id,
        tenantId: tg.tenantId,
        severity: 'warning',
        actor: 'system',
        after: { uri: tg.uri, 'token-expires': tg.tokenExpires?.toISOString() },
      });
    }
    return due.length;
  }

  changed(tg: Pick<ConsumerTgEntity, 'id' | 'tenantId'>): void {
    this.events.publish({ type: 'config-changed', resource: 'consumer-tg', id: tg.id, tenantId: tg.tenantId });
  }

  private scheduleVerification(tg: ConsumerTgEntity): void {
    const version = tg.version;
    onCommit(async () => {
      await this.queue.add(
        VERIFY_CONSUMER_TG,
        { id: tg.id, version },
        {
          jobId: `${tg.id}-v${version}`,
          attempts: this.config.env.RIPTRUNK_VERIFY_ATTEMPTS,
          backoff: { type: 'exponential', delay: this.config.env.RIPTRUNK_VERIFY_BACKOFF_MS },
          removeOnComplete: 1000,
          removeOnFail: 1000,
        },
      );
    });
  }

  private checkUri(raw: string): string {
    try {
      return checkTargetUrl(raw, this.config.env.RIPTRUNK_ALLOW_PRIVATE_TARGETS).toString();
    } catch (err) {
      if (err instanceof OutboundTargetError) {
        throw ProblemException.of('invalid-consumer-tg-uri', `uri ${err.message}`, {
          errors: [{ pointer: '#/uri', detail: `uri ${err.message}` }],
        });
      }
      throw err;
    }
  }

  /**
   * An enterprise's destination patterns are numbers or ranges, each inside one of the tenant's number ranges (403
   * naming those that are not); an interconnect tenant owns no numbers, so its patterns are off-net destinations of
   * any form (numbers, ranges, prefixes, `*`).
   */
  private async checkDestinations(tenantId: string, patterns: string[]): Promise<string[]> {
    const interconnect = (await this.tenants.find(tenantId))?.kind === 'interconnect';
    const canonical: string[] = [];
    const errors = [];
    for (const [i, raw] of patterns.entries()) {
      try {
        const p = parseNumberPattern(raw);
        if (!interconnect && (p.kind === 'all' || p.kind === 'prefix'))
          throw new NumberPatternError('must be a number or a range of numbers', 0);
        canonical.push(formatNumberPattern(p));
      } catch (err) {
        errors.push({ pointer: `#/outbound/destinations/${i}`, detail: `${raw}: ${(err as Error).message}` });
      }
    }
    if (errors.length) throw ProblemException.validation(errors);
    if (interconnect) return [...new Set(canonical)];
    const ranges = await this.ranges.patternsOfTenant(tenantId);
    const outside = canonical.filter((p) => !ranges.some((r) => isPatternWithin(p, r)));
    if (outside.length) {
      throw ProblemException.of(
        'destinations-not-owned',
        `Destinations outside your number ranges: ${outside.join(', ')}`,
        {
          numbers: outside,
        },
      );
    }
    return [...new Set(canonical)];
  }
}
