import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../../../common/audit/audit.service.js';
import { AppConfig } from '../../../common/config/app-config.js';
import { ProblemException } from '../../../common/http/problem.js';
import { NumberRangesRepository } from '../../numbers/number-ranges.repository.js';
import { TenantsRepository } from '../../tenants/tenants.repository.js';
import { TrunksRepository } from '../trunks.repository.js';
import { trunkNotFound } from '../trunks.service.js';
import { CapabilityTooLargeError, renderCapabilityDocument, type CapabilityDocument } from './capability-document.js';

const latest = (dates: (Date | null | undefined)[]) =>
  new Date(Math.max(...dates.filter((d): d is Date => d instanceof Date).map((d) => d.getTime())));

/** A strong validator of one representation: the media type and the exact bytes. */
export function representationEtag(mediaType: string, body: string): string {
  return `"${createHash('sha256').update(mediaType).update('\n').update(body).digest('base64url').slice(0, 27)}"`;
}

@Injectable()
export class CapabilityService {
  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly trunks: TrunksRepository,
    private readonly ranges: NumberRangesRepository,
    private readonly tenants: TenantsRepository,
  ) {}

  /** The trunk's capability set document; with `tenantId`, a trunk of another tenant is 404 like an unknown one. */
  async document(trunkId: string, tenantId?: string): Promise<CapabilityDocument> {
    const trunk = tenantId ? await this.trunks.find(tenantId, trunkId) : await this.trunks.findAnyTenant(trunkId);
    if (!trunk) throw trunkNotFound(trunkId);
    const ranges =
      trunk.callerIdRangeIds === null || trunk.callerIdRangeIds.length
        ? await this.ranges.ofTenant(trunk.tenantId, trunk.callerIdRangeIds)
        : [];
    ranges.sort((a, b) => Number(a.start.slice(1)) - Number(b.start.slice(1)));
    // With every range of the tenant in use, a deleted range changes the document without touching the trunk.
    // An explicit list is different: deleting a listed range (forced) updates the trunk itself.
    let lastDelete: Date | null = null;
    if (trunk.callerIdRangeIds === null) {
      // the latest deletion of one of the tenant's number ranges (creations are seen on the ranges themselves)
      lastDelete = await this.audit.lastAt(trunk.tenantId, 'number-range.delete');
    }
    try {
      return renderCapabilityDocument({
        trunk,
        ranges,
        notBefore: latest([trunk.updatedAt, lastDelete, ...ranges.map((r) => r.createdAt)]),
        publicUrl: this.config.publicUrl,
        edgePublicUrl: this.config.edgePublicUrl,
      });
    } catch (err) {
      if (err instanceof CapabilityTooLargeError) {
        throw ProblemException.of(err.code, `Trunk ${trunkId}: ${err.message}`);
      }
      throw err;
    }
  }

  /**
   * The trunk a WebFinger query may name: it exists, is active, and its tenant is active. Anything else is null,
   * so an anonymous caller learns nothing about disabled trunks or suspended tenants.
   */
  async discoverable(trunkId: string): Promise<boolean> {
    const trunk = await this.trunks.findAnyTenant(trunkId, { state: 'active' });
    if (!trunk) return false;
    return this.tenants.isActive(trunk.tenantId);
  }
}
