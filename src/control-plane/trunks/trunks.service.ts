import { Injectable } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { assertIfMatch } from '../../common/http/etag.js';
import { newId } from '../../common/http/ids.js';
import type { Page } from '../../common/http/pagination.js';
import { ProblemException } from '../../common/http/problem.js';
import { formatNumberPattern, parseNumberPattern } from '@riptrunk/ript';
import { NumberRangesRepository } from '../numbers/number-ranges.repository.js';
import { ReadinessService } from '../tenants/readiness.service.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { ALWAYS_ON_CODECS, DEFAULT_TRUNK_CODECS, trunkAdvertisement } from './trunk-advertisement.js';
import type { CreateTrunkDto, ListTrunksQuery, TrunkDto, UpdateTrunkDto } from './trunk.dto.js';
import type { TrunkEntity } from './trunk.entity.js';
import { TrunksRepository } from './trunks.repository.js';

export function trunkNotFound(id: string): ProblemException {
  return ProblemException.of('trunk-not-found', `No trunk ${id}`);
}

function nameTaken(tenantId: string, name: string): ProblemException {
  return ProblemException.of(
    'trunk-name-taken',
    `Tenant ${tenantId} already has a trunk named ${JSON.stringify(name)}`,
    {
      errors: [{ pointer: '#/name', detail: 'name is already used by another trunk of this tenant' }],
    },
  );
}

const canonicalPatterns = (patterns: string[]) => patterns.map((p) => formatNumberPattern(parseNumberPattern(p)));

@Injectable()
export class TrunksService {
  constructor(
    private readonly trunks: TrunksRepository,
    private readonly ranges: NumberRangesRepository,
    private readonly audit: AuditService,
    private readonly tenants: TenantsService,
    private readonly readiness: ReadinessService,
    private readonly events: ControlEvents,
  ) {}

  async toDto(t: TrunkEntity): Promise<TrunkDto> {
    return {
      id: t.id,
      tenantId: t.tenantId,
      name: t.name,
      destinations: t.destinations,
      codecs: t.codecs,
      alwaysOn: [...ALWAYS_ON_CODECS],
      advertisement: trunkAdvertisement(t.codecs),
      maxConcurrentCalls: t.maxConcurrentCalls,
      maxCallsPerSecond: t.maxCallsPerSecond,
      state: t.state,
      callerIdRangeIds: t.callerIdRangeIds,
      readiness: await this.readiness.forTrunk(t),
      version: t.version,
      createdAt: t.createdAt.toISOString(),
      updatedAt: t.updatedAt.toISOString(),
    };
  }

  async get(tenantId: string, id: string): Promise<TrunkEntity> {
    const trunk = await this.trunks.find(tenantId, id);
    if (!trunk) {
      await this.tenants.get(tenantId); // 404 for the tenant first
      throw trunkNotFound(id);
    }
    return trunk;
  }

  /** The tenant's active trunks, oldest first (its RIPT TGs). */
  listActive(tenantId: string): Promise<TrunkEntity[]> {
    return this.trunks.activeOfTenant(tenantId);
  }

  /** 404 unless the trunk is the tenant's. */
  async assertOwned(tenantId: string, id: string): Promise<void> {
    if (!(await this.trunks.exists(tenantId, id))) throw trunkNotFound(id);
  }

  async list(tenantId: string, query: ListTrunksQuery): Promise<Page<TrunkEntity>> {
    await this.tenants.get(tenantId);
    return this.trunks.page(tenantId, query);
  }

  async create(tenantId: string, dto: CreateTrunkDto): Promise<TrunkEntity> {
    await this.tenants.getForUpdate(tenantId);
    await this.assertNameFree(tenantId, dto.name);
    if (dto.callerIdRangeIds) await this.assertTenantRanges(tenantId, dto.callerIdRangeIds);
    const trunk = this.trunks.create({
      id: newId('trk'),
      tenantId,
      name: dto.name,
      destinations: canonicalPatterns(dto.destinations ?? ['*']),
      codecs: dto.codecs ?? [...DEFAULT_TRUNK_CODECS],
      maxConcurrentCalls: dto.maxConcurrentCalls,
      maxCallsPerSecond: dto.maxCallsPerSecond,
      state: dto.state ?? 'active',
      callerIdRangeIds: dto.callerIdRangeIds ?? null,
    });
    await this.saveUnique(trunk);
    await this.audit.record({
      action: 'trunk.create',
      resourceType: 'trunk',
      resourceId: trunk.id,
      tenantId,
      after: trunk,
    });
    this.changed(trunk);
    return trunk;
  }

  async update(tenantId: string, id: string, dto: UpdateTrunkDto, ifMatch?: string): Promise<TrunkEntity> {
    await this.tenants.getForUpdate(tenantId);
    const trunk = await this.trunks.find(tenantId, id, { forUpdate: true });
    if (!trunk) throw trunkNotFound(id);
    assertIfMatch(ifMatch, trunk.version);
    const before = { ...trunk };
    if (dto.name !== undefined && dto.name !== trunk.name) await this.assertNameFree(tenantId, dto.name);
    if (dto.callerIdRangeIds) await this.assertTenantRanges(tenantId, dto.callerIdRangeIds);
    Object.assign(trunk, {
      ...(dto.name !== undefined && { name: dto.name }),
      ...(dto.destinations !== undefined && { destinations: canonicalPatterns(dto.destinations) }),
      ...(dto.codecs !== undefined && { codecs: dto.codecs }),
      ...(dto.maxConcurrentCalls !== undefined && { maxConcurrentCalls: dto.maxConcurrentCalls }),
      ...(dto.maxCallsPerSecond !== undefined && { maxCallsPerSecond: dto.maxCallsPerSecond }),
      ...(dto.state !== undefined && { state: dto.state }),
      ...(dto.callerIdRangeIds !== undefined && { callerIdRangeIds: dto.callerIdRangeIds }),
    });
    await this.saveUnique(trunk);
    await this.audit.record({
      action: 'trunk.update',
      resourceType: 'trunk',
      resourceId: id,
      tenantId,
      before,
      after: trunk,
    });
    this.changed(trunk);
    return trunk;
  }

  /** Tells the edges (after commit) that the trunk's configuration changed. */
  private changed(trunk: TrunkEntity): void {
    this.events.publish({ type: 'config-changed', resource: 'trunk', id: trunk.id, tenantId: trunk.tenantId });
  }

  private async assertNameFree(tenantId: string, name: string): Promise<void> {
    if (await this.trunks.nameTaken(tenantId, name)) throw nameTaken(tenantId, name);
  }

  /**
   * Every id must be a number range of this tenant. Ranges of other tenants are reported exactly like unknown ones.
   * The found ranges are share-locked so that they cannot be deleted before this transaction commits.
   */
  private async assertTenantRanges(tenantId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const found = await this.ranges.idsOfTenantForShare(tenantId, ids);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) {
      throw ProblemException.of(
        'unknown-number-range',
        `Not number ranges of tenant ${tenantId}: ${missing.join(', ')}`,
        {
          rangeIds: missing,
          errors: missing.map((id) => ({
            pointer: `#/callerIdRangeIds/${ids.indexOf(id)}`,
            detail: `${id} is not a number range of this tenant`,
          })),
        },
      );
    }
  }

  /** Saves, turning a race on the unique (tenant, name) into a 409 instead of a 500. */
  private async saveUnique(trunk: TrunkEntity): Promise<void> {
    try {
      await this.trunks.save(trunk);
    } catch (err) {
      const driver = (err as { driverError?: { code?: string; constraint?: string } }).driverError;
      if (driver?.code === '23505' && driver.constraint === 'trunks_name_unique')
        throw nameTaken(trunk.tenantId, trunk.name);
      throw err;
    }
  }
}
