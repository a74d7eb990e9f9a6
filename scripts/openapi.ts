import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from '../src/control-plane/app.module.js';
import { loadConfig, runMain } from '../src/common/bootstrap.js';
import { openApiYaml } from '../src/common/http/openapi.js';

/** Writes openapi/openapi.yaml from the controllers and DTOs. */
runMain('openapi', async () => {
  const config = loadConfig();
  const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), { logger: false });
  await app.init();
  writeFileSync('openapi/openapi.yaml', openApiYaml(app));
  await app.close();
  process.stdout.write('wrote openapi/openapi.yaml\n');
});
