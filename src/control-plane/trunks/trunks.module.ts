import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module.js';
import { TrunksController } from './trunks.controller.js';
import { TrunksService } from './trunks.service.js';

@Module({
  imports: [TenantsModule],
  controllers: [TrunksController],
  providers: [TrunksService],
  exports: [TrunksService],
})
export class TrunksModule {}
