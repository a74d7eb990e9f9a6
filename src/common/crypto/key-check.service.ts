import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { SecretBox } from './secret-box.js';

const PLAINTEXT = 'riptrunk key check';
const LOCK = 0x72697074; // "ript"

export class KeyMismatchError extends Error {}

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
      if (!row) {
        await m.query('INSERT INTO key_check (id, sealed) VALUES (1, $1)', [this.box.seal(PLAINTEXT, 'key-check')]);
        return;
      }
      if (this.opens(row.sealed)) return;
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
      await m.query('UPDATE key_check SET sealed = $1, created_at = now() WHERE id = 1', [
        this.box.seal(PLAINTEXT, 'key-check'),
      ]);
      this.logger.warn(
        `${this.config.dataDir}/key-encryption.key is not the key of this database's secrets (another checkout's?): ` +
          'signing keys replaced, consumer TGs must register again',
      );
    });
  }

  private opens(sealed: string): boolean {
    try {
      return this.box.open(sealed, 'key-check') === PLAINTEXT;
    } catch {
      return false;
    }
  }
}
