import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { SecretBox } from '../../common/crypto/secret-box.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { trunkAdvertisement } from '../trunks/trunk-advertisement.js';
import type { EdgeSnapshot } from '../../contracts/edge-snapshot.js';

/** Builds the edges' configuration snapshot straight from Postgres (the edges never query it themselves). */
@Injectable()
export class EdgeConfigService {
  private readonly logger = new Logger(EdgeConfigService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: ControlEvents,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
  ) {}

  private openToken(sealed: string, id: string): string | null {
    try {
      return this.box.open(sealed, id);
    } catch {
      this.logger.error(`consumer TG ${id}: its token cannot be opened with this key-encryption key; left out`);
      return null;
    }
  }

  async snapshot(tenantId: string | null): Promise<EdgeSnapshot> {
    // Read the version first: events published after this point are applied again on top, which is harmless.
    const version = await this.events.currentVersion();
    const where = tenantId ? 'WHERE tenant_id = $1' : '';
    const params = tenantId ? [tenantId] : [];
    const revokedSince = `now() - interval '${this.config.env.RIPTRUNK_ACCESS_TOKEN_TTL + 300} seconds'`;
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      // One connection serves a transaction: its queries run one after another.
      const tenants = await m.query(`SELECT id, status FROM tenants ${tenantId ? 'WHERE id = $1' : ''}`, params);
      const trunks = await m.query(`SELECT * FROM trunks ${where} ORDER BY created_at`, params);
      const ranges = await m.query(`SELECT id, tenant_id, start_e164, end_e164 FROM number_ranges ${where}`, params);
      const consumerTgs = await m.query(
        `SELECT * FROM consumer_tgs ${where ? `${where} AND` : 'WHERE'} state = 'active' ORDER BY created_at, id`,
        params,
      );
      const revoked = await m.query(
        `SELECT id FROM oauth_clients ${where ? `${where} AND` : 'WHERE'} status = 'revoked' AND revoked_at > ${revokedSince}`,
        params,
      );
      return {
        version,
        tenantId,
        tenants: tenants as { id: string; status: string }[],
        trunks: (trunks as Record<string, never>[]).map((t) => ({
          id: t.id,
          tenantId: t.tenant_id,
          name: t.name,
          destinations: t.destinations,
          codecs: t.codecs,
          advertisement: trunkAdvertisement(t.codecs),
          maxConcurrentCalls: t.max_concurrent_calls,
          maxCallsPerSecond: t.max_calls_per_second,
          state: t.state,
          callerIdRangeIds: t.caller_id_range_ids,
          version: t.version,
        })),
        ranges: (ranges as Record<string, string>[]).map((r) => ({
          id: r.id,
          tenantId: r.tenant_id,
          start: r.start_e164,
          end: r.end_e164,
        })),
        consumerTgs: (consumerTgs as Record<string, never>[]).flatMap((c) => {
          const token = this.openToken(c.token_sealed, c.id);
          if (token === null) return []; // one unreadable registration must not stop every edge
          return [
            {
              id: c.id,
              tenantId: c.tenant_id,
              trunkId: c.trunk_id,
              uri: c.uri,
              token,
              handlersUri: c.handlers_uri,
              callsUri: c.calls_uri,
              destinations: c.destinations,
            },
          ];
        }),
        revokedClients: (revoked as { id: string }[]).map((r) => r.id),
        settings: { retryBackoffMs: 2000, mediaTimeoutMs: 5000 },
      };
    });
  }
}
