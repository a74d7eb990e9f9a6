import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { IdempotencyKeyEntity } from '../http/idempotency-key.entity.js';
import { TenantEntity } from '../../tenants/tenant.entity.js';
import { ConsumerTgEntity } from '../../trunks/ript/consumer-tg.entity.js';
import { TrunkEntity } from '../../trunks/trunk.entity.js';
import { OnboardingCodeEntity } from '../../oauth/onboarding-codes/onboarding-code.entity.js';
import { NumberRangeEntity } from '../../numbers/number-range.entity.js';
import { OAuthClientEntity, SigningKeyEntity } from '../../oauth/oauth.entities.js';
import { StirCertificateEntity } from '../../trunks/certs/stir-certificate.entity.js';
import { CdrEntity } from '../../edge/control/cdrs/cdr.entity.js';

/** Every TypeORM entity, listed once for the app and the migration CLI. */
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
