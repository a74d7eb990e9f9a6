import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { CallMetrics } from './call-metrics.js';
import { CallStore } from './call-store.js';
import { CallsController } from './calls.controller.js';
import { CallsService } from './calls.service.js';
import { HandlerStore } from './handler-store.js';
import { HandlersController } from './handlers.controller.js';
import { installStreamingBodies } from './http-streams.js';

/** Lets the events and media routes read their request bodies as streams (before the server is ready). */
@Injectable()
class StreamingBodies implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) installStreamingBodies(fastify);
  }
}

/** The media edge's RIPT resources: handlers, calls, events and media (profile §5-§7). */
@Module({
  controllers: [HandlersController, CallsController],
  providers: [HandlerStore, CallStore, CallMetrics, CallsService, StreamingBodies],
  exports: [CallsService],
})
export class CallsModule {}
