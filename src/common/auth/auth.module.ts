import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AppConfig } from '../config/app-config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { ControlEvents } from '../events/control-events.js';
import { RateLimiter } from '../http/rate-limiter.js';
import { AuthGuard } from './auth.guard.js';
import { InternalTokenVerifier, OperatorTokenVerifier } from './operator-token.verifier.js';
import { TokenVerifiers } from './token-verifiers.js';

/** Bearer authentication for every route; the OAuth module adds its JWT verifier to TokenVerifiers. */
@Global()
@Module({
  providers: [
    { provide: SecretBox, inject: [AppConfig], useFactory: (config: AppConfig) => SecretBox.fromConfig(config) },
    OperatorTokenVerifier,
    InternalTokenVerifier,
    TokenVerifiers,
    RateLimiter,
    ControlEvents,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenVerifiers, RateLimiter, ControlEvents, SecretBox],
})
export class AuthModule {}
