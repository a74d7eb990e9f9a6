import { Injectable, Logger } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { SecretBox } from '../../common/crypto/secret-box.js';
import { ControlEvents } from '../../common/events/control-events.js';
import { SigningKeyEntity } from './oauth.entities.js';

export interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
}

const CACHE_MS = 30_000;
const KEY_LOCK = 0x6b657973; // "keys"

/**
 * ES256 token signing keys, private parts sealed at rest. The newest unretired key signs; retired keys stay
 * published until every token they signed has expired.
 */
@Injectable()
export class SigningKeysService {
  private readonly logger = new Logger(SigningKeysService.name);
  private active?: { key: ActiveKey; loadedAt: number };
  private published?: { keys: JWK[]; loadedAt: number };

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly events: ControlEvents,
    private readonly box: SecretBox,
  ) {}

  /** Seconds a retired key stays published: the token lifetime plus every instance's key cache and clock skew. */
  private get publishGraceMs(): number {
    return (this.config.env.RIPTRUNK_ACCESS_TOKEN_TTL + 120) * 1000 + CACHE_MS;
  }

  async signingKey(): Promise<ActiveKey> {
    if (this.active && Date.now() - this.active.loadedAt < CACHE_MS) return this.active.key;
    let row = await this.dataSource.getRepository(SigningKeyEntity).findOne({
      where: { retiredAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
    row ??= await this.createFirstKey();
    const privateJwk = JSON.parse(this.box.open(row.privateJwkSealed, row.kid)) as JWK;
    const key = { kid: row.kid, privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey };
    this.active = { key, loadedAt: Date.now() };
    return key;
  }

  /** The public keys a verifier needs: the signing key and retired keys whose tokens may still be alive. */
  async publishedKeys(options: { fresh?: boolean } = {}): Promise<JWK[]> {
    if (!options.fresh && this.published && Date.now() - this.published.loadedAt < CACHE_MS) return this.published.keys;
    const rows = await this.dataSource.getRepository(SigningKeyEntity).find({
      where: [{ expiresAt: IsNull() }, { expiresAt: MoreThan(new Date()) }],
      order: { createdAt: 'DESC' },
    });
    const keys = rows.map((r) => ({ ...r.publicJwk, kid: r.kid, alg: 'ES256', use: 'sig' }));
    this.published = { keys, loadedAt: Date.now() };
    return keys;
  }

  /** Starts signing with a new key; the previous ones retire and stay published for their tokens' lifetime. */
  async rotate(): Promise<string> {
    const kid = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
      const now = new Date();
      await manager
        .getRepository(SigningKeyEntity)
        .update({ retiredAt: IsNull() }, { retiredAt: now, expiresAt: new Date(now.getTime() + this.publishGraceMs) });
      return (await manager.getRepository(SigningKeyEntity).save(await this.newKey())).kid;
    });
    this.active = undefined;
    this.published = undefined;
    this.events.publish({ type: 'signing-keys-changed' });
    this.logger.log(`signing key rotated to ${kid}`);
    return kid;
  }

  /** Deletes keys that no token can still need. */
  async purgeExpired(): Promise<number> {
    const result = await this.dataSource
      .getRepository(SigningKeyEntity)
      .createQueryBuilder()
      .delete()
      .where('expires_at IS NOT NULL AND expires_at < now()')
      .execute();
    return result.affected ?? 0;
  }

  private async createFirstKey(): Promise<SigningKeyEntity> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
      const existing = await manager
        .getRepository(SigningKeyEntity)
        .findOne({ where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } });
      return existing ?? manager.getRepository(SigningKeyEntity).save(await this.newKey());
    });
  }

  private async newKey(): Promise<SigningKeyEntity> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const entity = new SigningKeyEntity();
    Object.assign(entity, {
      kid,
      alg: 'ES256',
      publicJwk,
      privateJwkSealed: this.box.seal(JSON.stringify(await exportJWK(privateKey)), kid),
      retiredAt: null,
      expiresAt: null,
    });
    return entity;
  }
}
