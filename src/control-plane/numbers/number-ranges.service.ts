import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AuditService } from '../../common/audit/audit.service.js';
import { Db } from '../../common/context/db.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { newId } from '../../common/http/ids.js';
import { paginate, type Page } from '../../common/http/pagination.js';
import { ProblemException } from '../../common/http/problem.js';
import { TenantsService } from '../tenants/tenants.service.js';
import type {
  CreateNumberRangeDto,
  ListNumberRangesQuery,
  NumberLookupDto,
  NumberRangeDto,
} from './number-range.dto.js';
import { NumberRangeEntity } from './number-range.entity.js';
import { e164Value, MAX_RANGE_SIZE, parseRange } from './number-range.js';
import { RangeUsages } from './range-usages.js';

export const OVERLAP_CONSTRAINT = 'number_ranges_no_overlap';

/** A range as named in a `range-overlap` problem. */
export interface ConflictingRange {
  id: string | null;
  tenantId: string | null;
  start: string;
  end: string;
}

/**
 * The one query behind `GET /v1/numbers/{e164}`: the range holding the number (`numbers @> n`, answered by the
 * gist index of the exclusion constraint), its tenant, and the tenant's trunks that may use it as caller ID.
 */
export const LOOKUP_SQL = `
  SELECT r.id, r.start_e164, r.end_e164, t.id AS tenant_id, t.name AS tenant_name, t.status AS tenant_status,
         COALESCE((SELECT json_agg(json_build_object('id', k.id, 'name', k.name) ORDER BY k.name)
                     FROM trunks k
                    WHERE k.tenant_id = r.tenant_id
                      AND (k.caller_id_range_ids IS NULL OR k.caller_id_range_ids @> ARRAY[r.id])), '[]') AS trunks
    FROM number_ranges r
    JOIN tenants t ON t.id = r.tenant_id
   WHERE r.numbers @> $1::bigint`;

const OVERLAP_SQL = `
  SELECT id, tenant_id, start_e164, end_e164 FROM number_ranges
   WHERE numbers && int8range($1::bigint, $2::bigint, '[]')
   ORDER BY lower(numbers) LIMIT 1`;

interface LookupRow {
  id: string;
  start_e164: string;
  end_e164: string;
  tenant_id: string;
  tenant_name: string;
  tenant_status: string;
  trunks: { id: string; name: string }[];
}

export function rangeNotFound(id: string): ProblemException {
  return ProblemException.of('number-range-not-found', `No number range ${id}`);
}

function rangeOverlap(range: NumberRangeEntity, hit: ConflictingRange | null): ProblemException {
  const which = !hit
    ? 'another range'
    : hit.id
      ? `range ${hit.id} (${hit.start} to ${hit.end}) of tenant ${hit.tenantId}`
      : `the range ${hit.start} to ${hit.end}`;
  return ProblemException.of(
    'range-overlap',
    `${range.start} to ${range.end} overlaps ${which}; number ranges never overlap, across all tenants`,
    hit ? { conflictingRange: hit } : {},
  );
}

const MAX_INSERT_ATTEMPTS = 5;

/** First key of the advisory locks on 10M-number blocks ("rng"); the second is the block number. */
const RANGE_LOCK_CLASS = 0x726e67;

function driverCode(err: unknown): string | undefined {
  return err instanceof QueryFailedError ? (err as { driverError?: { code?: string } }).driverError?.code : undefined;
}

function isExclusionViolation(err: unknown): err is QueryFailedError & { driverError: { detail?: string } } {
  const driver = (err as { driverError?: { code?: string; constraint?: string } }).driverError;
  return err instanceof QueryFailedError && driver?.code === '23P01' && driver.constraint === OVERLAP_CONSTRAINT;
}

/** The existing range from a 23P01 DETAIL, `... conflicts with existing key (numbers)=([14085550100,14085550200)).` */
export function conflictFromDetail(detail: string | undefined): ConflictingRange | null {
  const match = /existing key \(numbers\)=\(\[(\d+),(\d+)\)\)/.exec(detail ?? '');
  if (!match) return null;
  return { id: null, tenantId: null, start: `+${match[1]}`, end: `+${BigInt(match[2]) - 1n}` };
}

@Injectable()
export class NumberRangesService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly tenants: TenantsService,
    private readonly events: ControlEvents,
    private readonly usages: RangeUsages,
  ) {}

  toDto(r: NumberRangeEntity): NumberRangeDto {
    return {
      id: r.id,
      tenantId: r.tenantId,
      start: r.start,
      end: r.end,
      count: e164Value(r.end) - e164Value(r.start) + 1,
      country: r.country,
      createdAt: r.createdAt.toISOString(),
    };
  }

  async list(tenantId: string, query: ListNumberRangesQuery): Promise<Page<NumberRangeEntity>> {
    await this.tenants.get(tenantId);
    const qb = this.db.repo(NumberRangeEntity).createQueryBuilder('r').where('r.tenantId = :tenantId', { tenantId });
    return paginate(qb, query, { alias: 'r', timeColumn: 'createdAt' });
  }

  async get(tenantId: string, id: string): Promise<NumberRangeEntity> {
    const range = await this.db.repo(NumberRangeEntity).findOneBy({ id, tenantId });
    if (!range) {
      await this.tenants.get(tenantId); // an unknown tenant is reported as such
      throw rangeNotFound(id);
    }
    return range;
  }

  /** Adds a range to an open tenant; must run in the request's transaction (the MutationInterceptor's). */
  async create(tenantId: string, dto: CreateNumberRangeDto): Promise<NumberRangeEntity> {
    const parsed = parseRange(dto);
    if ('errors' in parsed) throw ProblemException.validation(parsed.errors);
    const tenant = await this.tenants.getForUpdate(tenantId);
    if (tenant.kind === 'interconnect') {
      throw ProblemException.of(
        'interconnect-owns-no-numbers',
        `Tenant ${tenantId} is an interconnect tenant: it owns no numbers (its consumer TGs take off-net destination patterns instead)`,
      );
    }
    const range = this.db.repo(NumberRangeEntity).create({
      id: newId('rng'),
      tenantId,
      start: parsed.start,
      end: parsed.end,
      country: parsed.country,
    });
    await this.insertWithoutOverlap(range);
    await this.audit.record({
      action: 'number-range.create',
      resourceType: 'number-range',
      resourceId: range.id,
      tenantId,
      after: this.toDto(range),
    });
    this.events.publish({ type: 'config-changed', resource: 'number-range', id: range.id, tenantId });
    return range;
  }

  /**
   * Deletes a range; refused with 409 `range-in-use` while anything uses it, unless forced, in which case the users
   * let go of it in the same transaction. Allowed on a closed tenant, so that its numbers can be reassigned.
   */
  async delete(tenantId: string, id: string, force: boolean): Promise<void> {
    await this.tenants.getForUpdate(tenantId, { allowClosed: true });
    const manager = this.db.manager;
    const range = await manager
      .getRepository(NumberRangeEntity)
      .findOne({ where: { id, tenantId }, lock: { mode: 'pessimistic_write' } });
    if (!range) throw rangeNotFound(id);
    const usedBy = await this.usages.find(manager, range);
    if (usedBy.length && !force) {
      const list = usedBy.map((u) => `${u.kind}s ${u.ids.join(', ')}`).join('; ');
      throw ProblemException.of(
        'range-in-use',
        `Number range ${id} is in use by ${list}; remove it from them first, or delete with ?force=true`,
        { usedBy },
      );
    }
    if (usedBy.length) await this.usages.release(manager, range, usedBy);
    await manager.getRepository(NumberRangeEntity).delete({ id });
    await this.audit.record({
      action: 'number-range.delete',
      resourceType: 'number-range',
      resourceId: id,
      tenantId,
      before: { ...this.toDto(range), ...(usedBy.length ? { releasedFrom: usedBy } : {}) },
      severity: usedBy.length ? 'warning' : 'info',
    });
    this.events.publish({ type: 'config-changed', resource: 'number-range', id, tenantId });
  }

  /** Which tenant, range and trunks hold a canonical E.164 number. */
  async lookup(e164: string): Promise<NumberLookupDto> {
    const [row] = (await this.db.manager.query(LOOKUP_SQL, [e164.slice(1)])) as LookupRow[];
    if (!row) throw ProblemException.of('number-not-assigned', `No number range holds ${e164}`);
    return {
      number: e164,
      tenant: { id: row.tenant_id, name: row.tenant_name, status: row.tenant_status },
      range: { id: row.id, start: row.start_e164, end: row.end_e164 },
      trunks: row.trunks,
    };
  }

  /**
   * Inserts the range; the exclusion constraint decides. Creates through the API first take transaction-scoped
   * advisory locks on the 10M-number blocks the range touches (at most two, since a range holds at most 10M
   * numbers), in ascending order: two overlapping ranges share a block, so their creates take turns and the second
   * sees the first committed. Without this, concurrent overlapping inserts each wait for the others' uncommitted
   * rows, and Postgres breaks those cycles one per deadlock_timeout (1 s) with 40P01. Non-overlapping creates in
   * other blocks are not held up.
   *
   * The insert runs under a savepoint, so that when the constraint refuses it (23P01: a range added by other means,
   * or before our lock) the transaction is usable again and can name the range it hit. A 40P01 (only possible
   * against writers that skip the locks) is retried.
   */
  private async insertWithoutOverlap(range: NumberRangeEntity): Promise<void> {
    const manager = this.db.manager;
    const blocks = new Set([e164Value(range.start), e164Value(range.end)].map((n) => Math.floor(n / MAX_RANGE_SIZE)));
    for (const block of [...blocks].sort((a, b) => a - b)) {
      await manager.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [RANGE_LOCK_CLASS, block]);
    }
    for (let attempt = 1; ; attempt++) {
      await manager.query('SAVEPOINT number_range_insert');
      try {
        const [row] = (await manager.query(
          `INSERT INTO number_ranges (id, tenant_id, start_e164, end_e164, country)
           VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
          [range.id, range.tenantId, range.start, range.end, range.country],
        )) as { created_at: Date }[];
        await manager.query('RELEASE SAVEPOINT number_range_insert');
        range.createdAt = row.created_at;
        return;
      } catch (err) {
        const code = driverCode(err);
        if (code !== '40P01' && !isExclusionViolation(err)) throw err;
        await manager.query('ROLLBACK TO SAVEPOINT number_range_insert');
        if (isExclusionViolation(err)) {
          const hit = await this.findOverlapping(range);
          if (hit) throw rangeOverlap(range, hit);
          // The range we hit was deleted meanwhile: try again, then report what the DETAIL names.
          if (attempt >= MAX_INSERT_ATTEMPTS) throw rangeOverlap(range, conflictFromDetail(err.driverError.detail));
        } else if (attempt >= MAX_INSERT_ATTEMPTS) {
          throw ProblemException.of(
            'busy',
            'Concurrent changes to overlapping number ranges; retry shortly',
            {},
            { 'retry-after': '1' },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  private async findOverlapping(range: NumberRangeEntity): Promise<ConflictingRange | null> {
    const [hit] = (await this.db.manager.query(OVERLAP_SQL, [range.start.slice(1), range.end.slice(1)])) as {
      id: string;
      tenant_id: string;
      start_e164: string;
      end_e164: string;
    }[];
    return hit ? { id: hit.id, tenantId: hit.tenant_id, start: hit.start_e164, end: hit.end_e164 } : null;
  }
}
