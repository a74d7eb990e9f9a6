import { Module } from '@nestjs/common';
import { ConsumerTgVerifier } from './consumer-tg.verifier.js';
import { ConsumerTgsService } from './consumer-tgs.service.js';
import { ConsumerTgsAdminController, RiptTgsController } from './ript-tgs.controller.js';

/** RIPT TG discovery and consumer TG registration on the control plane. */
@Module({
  controllers: [RiptTgsController, ConsumerTgsAdminController],
  providers: [ConsumerTgsService, ConsumerTgVerifier],
  exports: [ConsumerTgsService],
})
export class RiptTgsModule {}
