import type { JWTPayload } from 'jose';

/** The claims of the RFC 9068 access tokens the control plane issues and the edges verify. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  client_id: string;
  aud: string | string[];
  scope: string;
  jti: string;
  iat: number;
  exp: number;
  tenant_id?: string;
}

export const ACCESS_TOKEN_TYP = 'at+jwt';
