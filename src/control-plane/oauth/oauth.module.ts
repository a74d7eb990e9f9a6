import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AccessTokensService } from './access-tokens.service.js';
import { ClientAuthService } from './client-auth.service.js';
import { ClientsAdminController } from './clients-admin.controller.js';
import { ClientsRepository } from './clients.repository.js';
import { ClientsService } from './clients.service.js';
import { DiscoveryController } from './discovery.controller.js';
import { JwtTokenVerifier } from './jwt-token.verifier.js';
import { MaintenanceProcessor } from './maintenance.processor.js';
import { OnboardingCodesModule } from './onboarding-codes/onboarding-codes.module.js';
import { RegistrationController } from './registration.controller.js';
import { SigningKeysService } from './signing-keys.service.js';
import { TokenController } from './token.controller.js';

@Module({
  imports: [TenantsModule, OnboardingCodesModule],
  controllers: [DiscoveryController, TokenController, RegistrationController, ClientsAdminController],
  providers: [
    SigningKeysService,
    AccessTokensService,
    ClientAuthService,
    ClientsService,
    ClientsRepository,
    JwtTokenVerifier,
    MaintenanceProcessor,
  ],
  exports: [AccessTokensService, SigningKeysService, ClientsService, ClientsRepository],
})
export class OauthModule {}
