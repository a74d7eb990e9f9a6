import 'reflect-metadata';
import { loadConfig, runMain } from '../src/common/bootstrap.js';
import { runMigrations } from '../src/common/database/data-source.js';
import { ensureDatabase } from '../src/common/database/postgres.js';

runMain('migrate', async () => {
  const config = loadConfig();
  await ensureDatabase(config.env.DATABASE_URL);
  const applied = await runMigrations(config.env.DATABASE_URL);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
});
