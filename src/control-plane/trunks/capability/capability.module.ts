import { Module } from '@nestjs/common';
import { NumbersModule } from '../../numbers/numbers.module.js';
import { TenantsModule } from '../../tenants/tenants.module.js';
import { TrunksModule } from '../trunks.module.js';
import { CapabilityController, WebFingerController } from './capability.controller.js';
import { CapabilityService } from './capability.service.js';

/** SIP capability set documents (RFC 10006) of trunks, and their WebFinger discovery (RFC 7033, RFC 9409). */
@Module({
  imports: [TenantsModule, TrunksModule, NumbersModule],
  controllers: [CapabilityController, WebFingerController],
  providers: [CapabilityService],
})
export class CapabilityModule {}
