import type { DeepPartial, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import type { Db } from '../context/db.js';

/** What every domain repository of one entity has: its rows in the current transaction, building and saving one. */
export abstract class EntityRepository<T extends ObjectLiteral> {
  protected constructor(
    protected readonly db: Db,
    private readonly entity: EntityTarget<T>,
  ) {}

  /** The entity's TypeORM repository, in the current mutation's transaction when there is one. */
  protected get rows(): Repository<T> {
    return this.db.repo(this.entity);
  }

  create(fields: DeepPartial<T>): T {
    return this.rows.create(fields);
  }

  async save(row: T): Promise<void> {
    await this.rows.save(row);
  }
}
