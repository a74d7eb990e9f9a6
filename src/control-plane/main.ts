import 'reflect-metadata';
import { AppModule } from './app.module.js';
import { loadConfig, runMain } from '../common/bootstrap.js';
import { runMigrations } from '../common/database/data-source.js';
import { ensureDatabase } from '../common/database/postgres.js';
import { createHttpApp } from '../common/http/server.js';
import { checkRedis } from '../common/redis/redis.js';
import { loadServerTls } from '../common/tls/tls-material.js';

runMain('riptrunk control plane', async () => {
  const config = loadConfig();
  await ensureDatabase(config.env.DATABASE_URL);
  await checkRedis(config.env.REDIS_URL);
  if (config.env.RIPTRUNK_MIGRATE_ON_START) await runMigrations(config.env.DATABASE_URL);
  const tls = await loadServerTls(config);
  const app = await createHttpApp(AppModule.forRoot(config), config, tls);
  await app.listen({ port: config.env.PORT, host: config.env.HOST });
});
