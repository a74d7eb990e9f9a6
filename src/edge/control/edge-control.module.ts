import { Module } from '@nestjs/common';
import { CallsAdminController } from './calls-admin.controller.js';
import { CdrProcessor } from './cdrs/cdr.processor.js';
import { CdrsController } from './cdrs/cdrs.controller.js';
import { EdgeConfigService } from './edge-config.service.js';
import { EdgeReaperProcessor } from './edge-reaper.processor.js';
import { EdgesController } from './edges.controller.js';

/** The control plane's side of driving the edges: configuration snapshots, the edge registry, live calls, CDRs. */
@Module({
  controllers: [EdgesController, CdrsController, CallsAdminController],
  providers: [EdgeConfigService, CdrProcessor, EdgeReaperProcessor],
})
export class EdgeControlModule {}
