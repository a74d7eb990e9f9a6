import { Injectable } from '@nestjs/common';
import { AuditService } from '../../../common/audit/audit.service.js';
import { AppConfig } from '../../../common/config/app-config.js';
import { mutationContext } from '../../../common/context/request-context.js';
import { newId } from '../../../common/http/ids.js';
import type { Page } from '../../../common/http/pagination.js';
import { ProblemException, type FieldError } from '../../../common/http/problem.js';
import { TenantsService } from '../../tenants/tenants.service.js';
import {
  generateOnboardingCode,
  hashOnboardingCode,
  normalizeOnboardingCode,
  onboardingCodeHint,
} from './onboarding-code.js';
import {
  MAX_TTL_DAYS,
  type CreatedOnboardingCodeDto,
  type CreateOnboardingCodeDto,
  type ListOnboardingCodesQuery,
  type OnboardingCodeDto,
} from './onboarding-code.dto.js';
import { onboardingCodeStatus, type OnboardingCodeEntity } from './onboarding-code.entity.js';
import { OnboardingCodesRepository } from './onboarding-codes.repository.js';

const DAY_MS = 86_400_000;

/** Milliseconds of an RFC 3339 date-time (already matched by the DTO), NaN when a field is out of range. */
function parseRfc3339(input: string): number {
  const value = input.toUpperCase();
  const [, y, mo, d, h, mi, s] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(value) ?? [];
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return NaN;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return NaN;
  return Date.parse(value);
}

export type OnboardingCodeFailure = 'unknown' | 'used' | 'expired' | 'revoked' | 'tenant-inactive';

/** The outcome of checking (peek) or consuming (redeem) an onboarding code. */
export type OnboardingCodeCheck =
  { ok: true; tenantId: string; codeId: string } | { ok: false; reason: OnboardingCodeFailure };

export function onboardingCodeNotFound(id: string): ProblemException {
  return ProblemException.of('onboarding-code-not-found', `No onboarding code ${id}`);
}

/** A snapshot for the audit log: never the code, never its hash. */
function auditView(c: OnboardingCodeEntity) {
  return {
    id: c.id,
    tenantId: c.tenantId,
    hint: c.hint,
    expiresAt: c.expiresAt,
    usedAt: c.usedAt,
    usedByClientId: c.usedByClientId,
    revokedAt: c.revokedAt,
    createdBy: c.createdBy,
  };
}

@Injectable()
export class OnboardingCodesService {
  constructor(
    private readonly codes: OnboardingCodesRepository,
    private readonly audit: AuditService,
    private readonly tenants: TenantsService,
    private readonly config: AppConfig,
  ) {}

  get discoveryUrl(): string {
    return `${this.config.publicUrl}/.well-known/ript`;
  }

  toDto(c: OnboardingCodeEntity, now = new Date()): OnboardingCodeDto {
    return {
      id: c.id,
      tenantId: c.tenantId,
      hint: c.hint,
      status: onboardingCodeStatus(c, now),
      expiresAt: c.expiresAt.toISOString(),
      createdBy: c.createdBy,
      createdAt: c.createdAt.toISOString(),
      usedAt: c.usedAt?.toISOString() ?? null,
      usedByClientId: c.usedByClientId,
      revokedAt: c.revokedAt?.toISOString() ?? null,
    };
  }

  async get(tenantId: string, id: string): Promise<OnboardingCodeEntity> {
    const code = await this.codes.find(tenantId, id, { forUpdate: false });
    if (!code) {
      await this.tenants.get(tenantId);
      throw onboardingCodeNotFound(id);
    }
    return code;
  }

  async list(tenantId: string, query: ListOnboardingCodesQuery): Promise<Page<OnboardingCodeEntity>> {
    await this.tenants.get(tenantId);
    return this.codes.page(tenantId, query);
  }

  /** Creates a code for an active tenant; the plain code is in the result only. */
  async create(tenantId: string, dto: CreateOnboardingCodeDto): Promise<CreatedOnboardingCodeDto> {
    const expiresAt = this.expiryOf(dto);
    const tenant = await this.tenants.getForUpdate(tenantId);
    if (tenant.status !== 'active') {
      throw ProblemException.of(
        `tenant-${tenant.status}` as const,
        `Tenant ${tenantId} is ${tenant.status}; onboarding codes can only be issued for an active tenant`,
      );
    }
    const code = generateOnboardingCode();
    const saved = await this.codes.insert({
      id: newId('obc'),
      tenantId,
      codeHash: hashOnboardingCode(code),
      hint: onboardingCodeHint(code),
      expiresAt,
      usedAt: null,
      usedByClientId: null,
      revokedAt: null,
      createdBy: mutationContext.getStore()?.principal?.actor ?? 'system',
    });
    await this.audit.record({
      action: 'onboarding-code.create',
      resourceType: 'onboarding-code',
      resourceId: saved.id,
      tenantId,
      after: auditView(saved),
    });
    return { ...this.toDto(saved), code, discoveryUrl: this.discoveryUrl };
  }

  /** Revokes an unused code (expired ones too, harmlessly); allowed whatever the tenant's status. */
  async revoke(tenantId: string, id: string): Promise<OnboardingCodeEntity> {
    await this.tenants.getForUpdate(tenantId, { allowClosed: true });
    const code = await this.codes.find(tenantId, id, { forUpdate: true });
    if (!code) throw onboardingCodeNotFound(id);
    if (code.usedAt || code.revokedAt) {
      const status = code.usedAt ? 'used' : 'revoked';
      throw ProblemException.of(`onboarding-code-${status}` as const, `Onboarding code ${id} is already ${status}`);
    }
    const before = auditView(code);
    code.revokedAt = new Date();
    await this.codes.markRevoked(id, code.revokedAt);
    await this.audit.record({
      action: 'onboarding-code.revoke',
      resourceType: 'onboarding-code',
      resourceId: id,
      tenantId,
      before,
      after: auditView(code),
    });
    return code;
  }

  /**
   * Consumes a code for the OAuth client being registered: exactly one caller ever gets `ok: true` for a code.
   * Runs in the caller's transaction when there is one, so the registration and the redemption commit together.
   */
  async redeem(code: string, clientId: string): Promise<OnboardingCodeCheck> {
    const canonical = normalizeOnboardingCode(code);
    if (!canonical) return { ok: false, reason: 'unknown' };
    const hash = hashOnboardingCode(canonical);
    const row = await this.codes.redeem(hash, clientId);
    if (!row) return this.diagnose(hash);
    await this.audit.record({
      action: 'onboarding-code.redeem',
      resourceType: 'onboarding-code',
      resourceId: row.id,
      tenantId: row.tenant_id,
      actor: `client:${clientId}`,
      after: { id: row.id, tenantId: row.tenant_id, usedByClientId: clientId },
    });
    return { ok: true, tenantId: row.tenant_id, codeId: row.id };
  }

  /** Whether a code would be accepted now, without consuming it. */
  async peek(code: string): Promise<OnboardingCodeCheck> {
    const canonical = normalizeOnboardingCode(code);
    if (!canonical) return { ok: false, reason: 'unknown' };
    return this.diagnose(hashOnboardingCode(canonical));
  }

  private async diagnose(hash: string): Promise<OnboardingCodeCheck> {
    const row = await this.codes.stateOf(hash);
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.used) return { ok: false, reason: 'used' };
    if (row.revoked) return { ok: false, reason: 'revoked' };
    if (row.expired) return { ok: false, reason: 'expired' };
    if (row.tenant_status !== 'active') return { ok: false, reason: 'tenant-inactive' };
    return { ok: true, tenantId: row.tenant_id, codeId: row.id };
  }

  private expiryOf(dto: CreateOnboardingCodeDto): Date {
    const now = Date.now();
    const errors: FieldError[] = [];
    if (dto.ttlDays !== undefined && dto.expiresAt !== undefined) {
      errors.push({ pointer: '#/expiresAt', detail: 'give either ttlDays or expiresAt, not both' });
    }
    if (dto.expiresAt !== undefined) {
      const at = parseRfc3339(dto.expiresAt);
      if (Number.isNaN(at)) errors.push({ pointer: '#/expiresAt', detail: 'expiresAt is not a valid date-time' });
      else if (at <= now) errors.push({ pointer: '#/expiresAt', detail: 'expiresAt must be in the future' });
      else if (at > now + MAX_TTL_DAYS * DAY_MS) {
        errors.push({ pointer: '#/expiresAt', detail: `expiresAt must be at most ${MAX_TTL_DAYS} days ahead` });
      }
      if (!errors.length) return new Date(at);
    }
    if (errors.length) throw ProblemException.validation(errors);
    return new Date(now + (dto.ttlDays ?? this.config.env.RIPTRUNK_ONBOARDING_CODE_TTL_DAYS) * DAY_MS);
  }
}
