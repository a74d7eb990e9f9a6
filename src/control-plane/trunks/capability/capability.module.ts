import { Module } from '@nestjs/common';
import { CapabilityController, WebFingerController } from './capability.controller.js';
import { CapabilityService } from './capability.service.js';

/** SIP capability set documents (RFC 10006) of trunks, and their WebFinger discovery (RFC 7033, RFC 9409). */
@Module({
  controllers: [CapabilityController, WebFingerController],
  providers: [CapabilityService],
})
export class CapabilityModule {}
