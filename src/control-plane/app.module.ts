import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from '../common/audit/audit.module.js';
import { AuthModule } from '../common/auth/auth.module.js';
import { AppConfig } from '../common/config/app-config.js';
import { ConfigModule } from '../common/config/config.module.js';
import { DatabaseModule } from '../common/database/database.module.js';
import { GLOBAL_PROVIDERS } from '../common/http/global-providers.js';
import { ENTITIES } from './entities.js';
import { controlPlaneHealth } from './health-checks.js';
import { LoggingModule } from '../common/logging/logging.module.js';
import { RedisModule } from '../common/redis/redis.module.js';
import { MutationInterceptor } from '../common/http/mutation.interceptor.js';
import { JobsModule } from './jobs/jobs.module.js';
import { NumbersModule } from './numbers/numbers.module.js';
import { OauthModule } from './oauth/oauth.module.js';
import { EdgeControlModule } from './edges/edge-control.module.js';
import { MeModule } from './tenants/me/me.module.js';
import { RiptTgsModule } from './trunks/ript/ript-tgs.module.js';
import { TenantsModule } from './tenants/tenants.module.js';
import { TrunksModule } from './trunks/trunks.module.js';
import { StirCertificatesModule } from './trunks/certs/stir-certificates.module.js';
import { CapabilityModule } from './trunks/capability/capability.module.js';
import { OnboardingCodesModule } from './oauth/onboarding-codes/onboarding-codes.module.js';
import { KeyCheckService } from '../common/crypto/key-check.service.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot('control-plane'),
        DatabaseModule.forRoot(ENTITIES),
        RedisModule,
        JobsModule,
        controlPlaneHealth(),
        AuthModule,
        AuditModule,
        TenantsModule,
        TrunksModule,
        OnboardingCodesModule,
        NumbersModule,
        OauthModule,
        MeModule,
        RiptTgsModule,
        EdgeControlModule,
        StirCertificatesModule,
        CapabilityModule,
      ],
      providers: [...GLOBAL_PROVIDERS, { provide: APP_INTERCEPTOR, useClass: MutationInterceptor }, KeyCheckService],
    };
  }
}
