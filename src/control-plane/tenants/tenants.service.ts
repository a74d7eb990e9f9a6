import { Injectable } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { assertIfMatch } from '../../common/http/etag.js';
import { newId } from '../../common/http/ids.js';
import type { Page } from '../../common/http/pagination.js';
import { ProblemException } from '../../common/http/problem.js';
import type { CreateTenantDto, ListTenantsQuery, TenantDto, UpdateTenantDto } from './tenant.dto.js';
import type { TenantEntity, TenantStatus } from './tenant.entity.js';
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
      kind: t.kind,
      contacts: t.contacts,
      readiness: await this.readiness.forTenant(t),
      version: t.version,
      createdAt: t.createdAt.toISOString(),
      updatedAt: t.updatedAt.toISOString(),
    };
  }

  async get(id: string): Promise<TenantEntity> {
    const tenant = await this.tenants.find(id);
    if (!tenant) throw tenantNotFound(id);
    return tenant;
  }

  /** The tenant's status as stored now (per-request checks), or null when there is no such tenant. */
  statusOf(id: string): Promise<string | null> {
    return this.tenants.statusOf(id);
  }

  /** The tenant, locked for the rest of the transaction; refused when closed unless `allowClosed`. */
  async getForUpdate(id: string, options: { allowClosed?: boolean } = {}): Promise<TenantEntity> {
    const tenant = await this.tenants.find(id, { forUpdate: true });
    if (!tenant) throw tenantNotFound(id);
    if (tenant.status === 'closed' && !options.allowClosed) {
      throw ProblemException.of('tenant-closed', `Tenant ${id} is closed; its resources can no longer change`);
    }
    return tenant;
  }

  async list(query: ListTenantsQuery): Promise<Page<TenantEntity>> {
    return this.tenants.page(query);
  }

  async create(dto: CreateTenantDto): Promise<TenantEntity> {
    if (dto.externalRef && (await this.tenants.externalRefTaken(dto.externalRef))) {
      throw externalRefTaken(dto.externalRef);
    }
    const tenant = this.tenants.create({
      id: newId('ten'),
      name: dto.name,
      externalRef: dto.externalRef ?? null,
      status: 'active',
      kind: dto.kind ?? 'enterprise',
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
      if (await this.tenants.externalRefTaken(dto.externalRef)) throw externalRefTaken(dto.externalRef);
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
    await this.tenants.save(tenant);
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
      await this.tenants.save(tenant);
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === '23505')
        throw externalRefTaken(tenant.externalRef ?? '');
      throw err;
    }
  }
}
