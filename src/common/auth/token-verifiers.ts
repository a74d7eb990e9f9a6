import { Injectable } from '@nestjs/common';
import { InternalTokenVerifier, OperatorTokenVerifier } from './operator-token.verifier.js';
import type { Principal, TokenVerifier } from './principal.js';

/** The bearer-token verifiers the guard tries in turn; modules add theirs at start (the OAuth JWT verifier). */
@Injectable()
export class TokenVerifiers {
  private readonly verifiers: TokenVerifier[];

  constructor(operator: OperatorTokenVerifier, internal: InternalTokenVerifier) {
    this.verifiers = [operator, internal];
  }

  add(verifier: TokenVerifier): void {
    this.verifiers.push(verifier);
  }

  async verify(token: string): Promise<Principal | null> {
    for (const verifier of this.verifiers) {
      const principal = await verifier.verify(token);
      if (principal) return principal;
    }
    return null;
  }
}
