import { Module } from '@nestjs/common';
import { TenantsModule } from '../../tenants/tenants.module.js';
import { OnboardingCodesController } from './onboarding-codes.controller.js';
import { OnboardingCodesRepository } from './onboarding-codes.repository.js';
import { OnboardingCodesService } from './onboarding-codes.service.js';

/** Onboarding codes: the admin endpoints, and redeem/peek for the OAuth registration endpoint. */
@Module({
  imports: [TenantsModule],
  controllers: [OnboardingCodesController],
  providers: [OnboardingCodesService, OnboardingCodesRepository],
  exports: [OnboardingCodesService],
})
export class OnboardingCodesModule {}
