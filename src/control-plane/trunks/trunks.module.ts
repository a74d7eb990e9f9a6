import { Module } from '@nestjs/common';
import { NumbersModule } from '../numbers/numbers.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { TrunksController } from './trunks.controller.js';
import { TrunksRepository } from './trunks.repository.js';
import { TrunksService } from './trunks.service.js';

@Module({
  imports: [TenantsModule, NumbersModule],
  controllers: [TrunksController],
  providers: [TrunksService, TrunksRepository],
  exports: [TrunksService, TrunksRepository],
})
export class TrunksModule {}
