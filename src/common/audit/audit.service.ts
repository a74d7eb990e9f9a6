import { Injectable } from '@nestjs/common';
import { mutationContext } from '../context/request-context.js';
import { newId } from '../http/ids.js';
import type { Page } from '../http/pagination.js';
import type { AuditEventEntity } from './audit-event.entity.js';
import { AuditRepository, type AuditEventFilter } from './audit.repository.js';

const SECRET_KEYS = /secret|token|password|code(hash)?$|codehash|privatekey|private_key|hash$/i;

/** Removes secrets from a snapshot before it is written to the audit log. */
export function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !SECRET_KEYS.test(k))
        .map(([k, v]) => [k, scrub(v)]),
    );
  }
  return value;
}

export interface AuditRecord {
  action: string;
  resourceType: string;
  resourceId: string;
  tenantId?: string | null;
  before?: object | null;
  after?: object | null;
  severity?: 'info' | 'warning';
  actor?: string;
}

@Injectable()
export class AuditService {
  constructor(private readonly events: AuditRepository) {}

  /** Writes one audit event in the current transaction, so it commits or rolls back with the change. */
  async record(event: AuditRecord): Promise<void> {
    const ctx = mutationContext.getStore();
    const row: Omit<AuditEventEntity, 'at'> = {
      id: newId('aud'),
      actor: event.actor ?? ctx?.principal?.actor ?? 'system',
      action: event.action,
      resourceType: event.resourceType,
      resourceId: event.resourceId,
      tenantId: event.tenantId ?? null,
      requestId: ctx?.requestId ?? null,
      before: (event.before ? scrub(event.before) : null) as Record<string, unknown> | null,
      after: (event.after ? scrub(event.after) : null) as Record<string, unknown> | null,
      severity: event.severity ?? 'info',
    };
    await this.events.insert(row);
  }

  /** When the tenant's latest event of this action happened, or null if there is none. */
  lastAt(tenantId: string, action: string): Promise<Date | null> {
    return this.events.lastAt(tenantId, action);
  }

  list(filter: AuditEventFilter): Promise<Page<AuditEventEntity>> {
    return this.events.page(filter);
  }
}
