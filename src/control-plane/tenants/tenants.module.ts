import { Module } from '@nestjs/common';
import { ReadinessService } from './readiness.service.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';

@Module({
  controllers: [TenantsController],
  providers: [TenantsService, TenantsRepository, ReadinessService],
  exports: [TenantsService, TenantsRepository, ReadinessService],
})
export class TenantsModule {}
