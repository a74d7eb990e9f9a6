import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module.js';
import { TrunksController } from './trunks.controller.js';
import { TrunksRepository } from './trunks.repository.js';
import { TrunksService } from './trunks.service.js';

@Module({
  imports: [TenantsModule],
  controllers: [TrunksController],
  providers: [TrunksService, TrunksRepository],
  exports: [TrunksService, TrunksRepository],
})
export class TrunksModule {}
