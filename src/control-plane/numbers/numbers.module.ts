import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module.js';
import { NumberRangesController, NumbersController } from './number-ranges.controller.js';
import { NumberRangesRepository } from './number-ranges.repository.js';
import { NumberRangesService } from './number-ranges.service.js';
import { RangeUsages } from './range-usages.js';

@Module({
  imports: [TenantsModule],
  controllers: [NumberRangesController, NumbersController],
  providers: [NumberRangesService, NumberRangesRepository, RangeUsages],
  exports: [NumberRangesService, NumberRangesRepository],
})
export class NumbersModule {}
