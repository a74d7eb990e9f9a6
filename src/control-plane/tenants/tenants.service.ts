import { Injectable } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import { Db } from '../../common/context/db.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { assertIfMatch } from '../../common/http/etag.js';
import { newId } from '../../common/http/ids.js';
import { paginate, type Page } from '../../common/http/pagination.js';
import { ProblemException } from '../../common/http/problem.js';
import type { CreateTenantDto, ListTenantsQuery, TenantDto, UpdateTenantDto } from './tenant.dto.js';
import { TenantEntity, type TenantStatus } from './tenant.entity.js';
import { ReadinessService } from './readiness.service.js';
import { TenantsRepository } from './tenants.repository.js';

export function tenantNotFound(id: string): ProblemException {
  return ProblemException.of('tenant-not-found', `No tenant ${id}`);
}

function externalRefTaken(ref: string): ProblemException {
  return ProblemException.of('external-ref-taken', `Another tenant already has externalRef ${JSON.stringify(ref)}`);
}

const TRANSITIONS: Record<'suspend' | 'resume' | 'close', { from: TenantStatus[]; to: TenantStatus }> = {
  suspend: { from: ['active'], to: 'suspended' },
  resume: { from: ['suspended'], to: 'active' },
  close: { from: ['active', 'suspended'], to: 'closed' },
};

@Injectable()
export class TenantsService {
  constructor(
    private readonly db: Db,
    private readonly tenants: TenantsRepository,
    private readonly audit: AuditService,
    private readonly readiness: ReadinessService,
    private readonly events: ControlEvents,
  ) {}

  async toDto(t: TenantEntity): Promise<TenantDto> {
    return {
      id: t.id,
      name: t.name,
      externalRef: t.externalRef,
      status: t.status,
      contacts: t.contacts,
      readiness: await this.readiness.forTenant(t),
      version: t.version,
      createdAt: t.createdAt.toISOString(),
      updatedAt: t.updatedAt.toISOString(),
    };
  }

  async get(id: string): Promise<TenantEntity> {
    const tenant = await this.db.repo(TenantEntity).findOneBy({ id });
    if (!tenant) throw tenantNotFound(id);
    return tenant;
  }

  /** The tenant's status as stored now (per-request checks), or null when there is no such tenant. */
  statusOf(id: string): Promise<string | null> {
    return this.tenants.statusOf(id);
  }

  /** The tenant, locked for the rest of the transaction; refused when closed unless `allowClosed`. */
  async getForUpdate(id: string, options: { allowClosed?: boolean } = {}): Promise<TenantEntity> {
    const tenant = await this.db.repo(TenantEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!tenant) throw tenantNotFound(id);
    if (tenant.status === 'closed' && !options.allowClosed) {
      throw ProblemException.of('tenant-closed', `Tenant ${id} is closed; its resources can no longer change`);
    }
    return tenant;
  }

  async list(query: ListTenantsQuery): Promise<Page<TenantEntity>> {
    const qb = this.db.repo(TenantEntity).createQueryBuilder('t');
    if (query.status) qb.andWhere('t.status = :status', { status: query.status });
    if (query.name)
      qb.andWhere(`t.name ILIKE :name ESCAPE '\\'`, { name: `%${query.name.replace(/[\\%_]/g, '\\$&')}%` });
    return paginate(qb, query, { alias: 't', timeColumn: 'createdAt' });
  }

  async create(dto: CreateTenantDto): Promise<TenantEntity> {
    if (dto.externalRef && (await this.db.repo(TenantEntity).existsBy({ externalRef: dto.externalRef }))) {
      throw externalRefTaken(dto.externalRef);
    }
    const tenant = this.db.repo(TenantEntity).create({
      id: newId('ten'),
      name: dto.name,
      externalRef: dto.externalRef ?? null,
      status: 'active',
      contacts: dto.contacts ?? [],
    });
    await this.saveUnique(tenant);
    await this.audit.record({
      action: 'tenant.create',
      resourceType: 'tenant',
      resourceId: tenant.id,
      tenantId: tenant.id,
      after: tenant,
    });
    return tenant;
  }

  async update(id: string, dto: UpdateTenantDto, ifMatch?: string): Promise<TenantEntity> {
    const tenant = await this.getForUpdate(id);
    assertIfMatch(ifMatch, tenant.version);
    const before = { ...tenant };
    if (dto.externalRef !== undefined && dto.externalRef !== tenant.externalRef) {
      if (await this.db.repo(TenantEntity).existsBy({ externalRef: dto.externalRef }))
        throw externalRefTaken(dto.externalRef);
    }
    Object.assign(tenant, {
      ...(dto.name !== undefined && { name: dto.name }),
      ...(dto.externalRef !== undefined && { externalRef: dto.externalRef }),
      ...(dto.contacts !== undefined && { contacts: dto.contacts }),
    });
    await this.saveUnique(tenant);
    await this.audit.record({
      action: 'tenant.update',
      resourceType: 'tenant',
      resourceId: id,
      tenantId: id,
      before,
      after: tenant,
    });
    return tenant;
  }

  async transition(id: string, action: keyof typeof TRANSITIONS, ifMatch?: string): Promise<TenantEntity> {
    const tenant = await this.getForUpdate(id, { allowClosed: true });
    assertIfMatch(ifMatch, tenant.version);
    const { from, to } = TRANSITIONS[action];
    if (!from.includes(tenant.status)) {
      throw ProblemException.of('invalid-status-transition', `Cannot ${action} a tenant that is ${tenant.status}`);
    }
    const before = { ...tenant };
    tenant.status = to;
    await this.db.repo(TenantEntity).save(tenant);
    this.events.publish({ type: 'tenant-status', tenantId: id, status: to });
    await this.audit.record({
      action: `tenant.${action}`,
      resourceType: 'tenant',
      resourceId: id,
      tenantId: id,
      before,
      after: tenant,
    });
    return tenant;
  }

  /** Saves, turning a race on the unique externalRef into a 409 instead of a 500. */
  private async saveUnique(tenant: TenantEntity): Promise<void> {
    try {
      await this.db.repo(TenantEntity).save(tenant);
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === '23505')
        throw externalRefTaken(tenant.externalRef ?? '');
      throw err;
    }
  }
}
