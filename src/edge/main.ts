import 'reflect-metadata';
import { loadConfig, runMain } from '../common/bootstrap.js';
import { createHttpApp } from '../common/http/server.js';
import { checkRedis } from '../common/redis/redis.js';
import { loadServerTls } from '../common/tls/tls-material.js';
import { EdgeModule } from './edge.module.js';

runMain('riptrunk edge', async () => {
  const config = loadConfig();
  await checkRedis(config.env.REDIS_URL);
  const tls = await loadServerTls(config);
  const app = await createHttpApp(EdgeModule.forRoot(config), config, tls);
  await app.listen({ port: config.env.EDGE_PORT, host: config.env.HOST });
});
