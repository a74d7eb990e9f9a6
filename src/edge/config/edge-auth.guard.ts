import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BearerAuthGuard } from '../../common/auth/auth.guard.js';
import type { Principal } from '../../common/auth/principal.js';
import { EdgeTokenVerifier } from './edge-token.verifier.js';

/** The control plane's guard, verifying tokens locally against the pushed configuration. */
@Injectable()
export class EdgeAuthGuard extends BearerAuthGuard {
  constructor(
    reflector: Reflector,
    private readonly verifier: EdgeTokenVerifier,
  ) {
    super(reflector);
  }

  protected verify(token: string): Promise<Principal | null> {
    return this.verifier.verify(token);
  }
}
