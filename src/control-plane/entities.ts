import { AuditEventEntity } from '../common/audit/audit-event.entity.js';
import { IdempotencyKeyEntity } from '../common/http/idempotency-key.entity.js';
import { TenantEntity } from './tenants/tenant.entity.js';
import { ConsumerTgEntity } from './trunks/ript/consumer-tg.entity.js';
import { TrunkEntity } from './trunks/trunk.entity.js';
import { OnboardingCodeEntity } from './oauth/onboarding-codes/onboarding-code.entity.js';
import { NumberRangeEntity } from './numbers/number-range.entity.js';
import { OAuthClientEntity, SigningKeyEntity } from './oauth/oauth.entities.js';
import { StirCertificateEntity } from './trunks/certs/stir-certificate.entity.js';
import { CdrEntity } from './cdrs/cdr.entity.js';

/** Every TypeORM entity of the control plane, listed once for its root module and the TypeORM CLI. */
export const ENTITIES: Function[] = [
  TenantEntity,
  TrunkEntity,
  OnboardingCodeEntity,
  NumberRangeEntity,
  AuditEventEntity,
  IdempotencyKeyEntity,
  SigningKeyEntity,
  OAuthClientEntity,
  StirCertificateEntity,
  ConsumerTgEntity,
  CdrEntity,
];
