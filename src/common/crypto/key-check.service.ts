import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { KeyMismatchError } from './key-mismatch.error.js';
import { SecretBox } from './secret-box.js';

const PLAINTEXT = 'riptrunk key check';
const LOCK = 0x72697074; // "ript"

export { KeyMismatchError };

/**
 * At start, checks that the key-encryption key opens what this database holds sealed. With another key the secrets
 * (signing keys, consumer-TG tokens, stored responses) cannot be opened: in production, or with a key from
 * RIPTRUNK_KEY_ENCRYPTION_KEY, the control plane refuses to start. With the locally generated key of a local run (a
 * fresh checkout against an older local database), the sealed material is discarded instead: signing keys are
 * replaced, consumer TGs must register again, stored idempotent responses are forgotten.
 */
@Injectable()
export class KeyCheckService implements OnModuleInit {
  private readonly logger = new Logger(KeyCheckService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [LOCK]);
      const [row] = (await m.query('SELECT sealed FROM key_check WHERE id = 1')) as { sealed: string }[];
      // the check value, and a sample of the sealed secrets (a database from before the check value has only those)
      const matches = (!row || this.opens(row.sealed, 'key-check', PLAINTEXT)) && (await this.opensExisting(m));
      if (matches && !row) {
        await m.query('INSERT INTO key_check (id, sealed) VALUES (1, $1)', [this.box.seal(PLAINTEXT, 'key-check')]);
      }
      if (matches) return;
      if (this.config.production || this.config.env.RIPTRUNK_KEY_ENCRYPTION_KEY) {
        throw new KeyMismatchError(
          'RIPTRUNK_KEY_ENCRYPTION_KEY is not the key this database was sealed with: start with the original key',
        );
      }
      await m.query('DELETE FROM signing_keys');
      await m.query(
        `UPDATE consumer_tgs SET state = 'failed',
                state_reason = 'sealed with another local key: register the consumer TG again', updated_at = now()
          WHERE state <> 'failed'`,
      );
      await m.query('DELETE FROM idempotency_keys');
      await m.query(
        `INSERT INTO key_check (id, sealed) VALUES (1, $1)
           ON CONFLICT (id) DO UPDATE SET sealed = EXCLUDED.sealed, created_at = now()`,
        [this.box.seal(PLAINTEXT, 'key-check')],
      );
      this.logger.warn(
        `${this.config.dataDir}/key-encryption.key is not the key of this database's secrets (another checkout's?): ` +
          'signing keys replaced, consumer TGs must register again',
      );
    });
  }

  private opens(sealed: string, context: string, expected?: string): boolean {
    try {
      const plain = this.box.open(sealed, context);
      return expected === undefined || plain === expected;
    } catch {
      return false;
    }
  }

  private async opensExisting(m: EntityManager): Promise<boolean> {
    const keys = (await m.query('SELECT kid, private_jwk_sealed FROM signing_keys LIMIT 1')) as {
      kid: string;
      private_jwk_sealed: string;
    }[];
    const tgs = (await m.query(`SELECT id, token_sealed FROM consumer_tgs WHERE state <> 'failed' LIMIT 1`)) as {
      id: string;
      token_sealed: string;
    }[];
    return (
      keys.every((k) => this.opens(k.private_jwk_sealed, k.kid)) && tgs.every((t) => this.opens(t.token_sealed, t.id))
    );
  }
}
