import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../../common/audit/audit.service.js';
import { ControlEvents } from '../../common/events/control-events.js';
import type { NumberRangeEntity } from './number-range.entity.js';

/** Who holds numbers of a range, as reported in a 409 `range-in-use`. */
export interface RangeUsers {
  kind: string;
  ids: string[];
}

/**
 * One kind of thing that can use a range's numbers. DELETE of a range asks every usage; any user found refuses
 * the delete unless forced, and a forced delete asks each usage to let go, in the delete's transaction.
 */
export interface RangeUsage {
  readonly kind: string;
  /** Ids of the current users of the range, locked until the transaction ends so none can appear meanwhile. */
  find(manager: EntityManager, range: NumberRangeEntity): Promise<string[]>;
  /** Detaches these users from the range (only called with ids `find` returned, in the same transaction). */
  release(manager: EntityManager, range: NumberRangeEntity, ids: string[]): Promise<void>;
}

/** Trunks that list the range in `caller_id_range_ids` (a NULL list means "all ranges" and names none). */
class TrunkCallerIdUsage implements RangeUsage {
  readonly kind = 'trunk';

  constructor(
    private readonly audit: AuditService,
    private readonly events: ControlEvents,
  ) {}

  async find(manager: EntityManager, range: NumberRangeEntity): Promise<string[]> {
    const rows = (await manager.query(
      `SELECT id FROM trunks WHERE caller_id_range_ids @> ARRAY[$1]::text[] ORDER BY id FOR UPDATE`,
      [range.id],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async release(manager: EntityManager, range: NumberRangeEntity, ids: string[]): Promise<void> {
    const [rows] = (await manager.query(
      `UPDATE trunks t
          SET caller_id_range_ids = array_remove(t.caller_id_range_ids, $1), version = t.version + 1, updated_at = now()
         FROM (SELECT id, caller_id_range_ids FROM trunks WHERE id = ANY($2::text[])) old
        WHERE t.id = old.id
        RETURNING t.id, t.tenant_id, old.caller_id_range_ids AS before, t.caller_id_range_ids AS after`,
      [range.id, ids],
    )) as [{ id: string; tenant_id: string; before: string[]; after: string[] }[], number];
    for (const row of rows) {
      await this.audit.record({
        action: 'trunk.update',
        resourceType: 'trunk',
        resourceId: row.id,
        tenantId: row.tenant_id,
        before: { callerIdRangeIds: row.before },
        after: { callerIdRangeIds: row.after },
      });
      this.events.publish({ type: 'config-changed', resource: 'trunk', id: row.id, tenantId: row.tenant_id });
    }
  }
}

/**
 * Every usage a range delete checks. Later consumers of numbers (consumer TG destinations, live calls) add an
 * entry here.
 */
@Injectable()
export class RangeUsages {
  readonly all: readonly RangeUsage[];

  constructor(audit: AuditService, events: ControlEvents) {
    this.all = [new TrunkCallerIdUsage(audit, events)];
  }

  async find(manager: EntityManager, range: NumberRangeEntity): Promise<RangeUsers[]> {
    const found: RangeUsers[] = [];
    for (const usage of this.all) {
      const ids = await usage.find(manager, range);
      if (ids.length) found.push({ kind: usage.kind, ids });
    }
    return found;
  }

  async release(manager: EntityManager, range: NumberRangeEntity, users: RangeUsers[]): Promise<void> {
    for (const { kind, ids } of users) {
      await this.all.find((u) => u.kind === kind)!.release(manager, range, ids);
    }
  }
}
