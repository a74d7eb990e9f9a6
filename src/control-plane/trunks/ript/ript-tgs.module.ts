import { Module } from '@nestjs/common';
import { NumbersModule } from '../../numbers/numbers.module.js';
import { TenantsModule } from '../../tenants/tenants.module.js';
import { TrunksModule } from '../trunks.module.js';
import { ConsumerTgsRepository } from './consumer-tgs.repository.js';
import { ConsumerTgVerifier } from './consumer-tg.verifier.js';
import { ConsumerTgsService } from './consumer-tgs.service.js';
import { ConsumerTgsAdminController, RiptTgsController } from './ript-tgs.controller.js';

/** RIPT TG discovery and consumer TG registration on the control plane. */
@Module({
  imports: [TrunksModule, NumbersModule, TenantsModule],
  controllers: [RiptTgsController, ConsumerTgsAdminController],
  providers: [ConsumerTgsService, ConsumerTgsRepository, ConsumerTgVerifier],
  exports: [ConsumerTgsService, ConsumerTgsRepository],
})
export class RiptTgsModule {}
