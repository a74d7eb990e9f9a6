import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral, type Repository } from 'typeorm';
import { mutationContext } from './request-context.js';

/** The entity manager of the current mutation's transaction, or the plain data source outside one. */
@Injectable()
export class Db {
  constructor(readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return mutationContext.getStore()?.manager ?? this.dataSource.manager;
  }

  repo<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T> {
    return this.manager.getRepository(entity);
  }
}
