import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { SecretBox } from '../../common/crypto/secret-box.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { NumberRangesRepository } from '../numbers/number-ranges.repository.js';
import { ClientsRepository } from '../oauth/clients.repository.js';
import { TenantsRepository } from '../tenants/tenants.repository.js';
import { ConsumerTgsRepository } from '../trunks/ript/consumer-tgs.repository.js';
import { TrunksRepository } from '../trunks/trunks.repository.js';
import type { EdgeSnapshot } from '../../contracts/edge-snapshot.js';

/**
 * Builds the edges' configuration snapshot from each domain's read model, in one REPEATABLE READ transaction (the
 * edges never query Postgres themselves).
 */
@Injectable()
export class EdgeConfigService {
  private readonly logger = new Logger(EdgeConfigService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: ControlEvents,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly tenants: TenantsRepository,
    private readonly trunks: TrunksRepository,
    private readonly ranges: NumberRangesRepository,
    private readonly consumerTgs: ConsumerTgsRepository,
    private readonly clients: ClientsRepository,
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
    const revokedWithinSeconds = this.config.env.RIPTRUNK_ACCESS_TOKEN_TTL + 300;
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      // One connection serves a transaction: its queries run one after another.
      const tenants = await this.tenants.forEdges(m, tenantId);
      const trunks = await this.trunks.forEdges(m, tenantId);
      const ranges = await this.ranges.forEdges(m, tenantId);
      const consumerTgs = await this.consumerTgs.activeForEdges(m, tenantId);
      const revokedClients = await this.clients.revokedForEdges(m, tenantId, revokedWithinSeconds);
      return {
        version,
        tenantId,
        tenants,
        trunks,
        ranges,
        consumerTgs: consumerTgs.flatMap((c) => {
          const token = this.openToken(c.tokenSealed, c.id);
          if (token === null) return []; // one unreadable registration must not stop every edge
          const { handlersUri, callsUri, destinations, priority } = c;
          return [
            {
              id: c.id,
              tenantId: c.tenantId,
              trunkId: c.trunkId,
              uri: c.uri,
              token,
              handlersUri,
              callsUri,
              destinations,
              priority,
            },
          ];
        }),
        revokedClients,
        settings: { retryBackoffMs: 2000, mediaTimeoutMs: 5000 },
      };
    });
  }
}
