import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../common/database/data-source.js';
import { ENTITIES } from './entities.js';

/** The standalone data source for the TypeORM CLI (`typeorm -d dist/src/control-plane/data-source.js`). */
export default new DataSource(
  dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/riptrunk', ENTITIES),
);
