import { Module } from '@nestjs/common';
import { ReadinessService } from './readiness.service.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsService } from './tenants.service.js';

@Module({
  controllers: [TenantsController],
  providers: [TenantsService, ReadinessService],
  exports: [TenantsService, ReadinessService],
})
export class TenantsModule {}
