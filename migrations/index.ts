import { Extensions1732400000000 } from './1732400000000-extensions.js';
import { AdminApi1732400000001 } from './1732400000001-admin-api.js';
import { Oauth1732400000010 } from './1732400000010-oauth.js';
import { StirCertificates1732400000020 } from './1732400000020-stir-certificates.js';
import { ConsumerTgs1732400000030 } from './1732400000030-consumer-tgs.js';
import { SealedIdempotencyBodies1732400000040 } from './1732400000040-sealed-idempotency-bodies.js';
import { ProviderStirCertificates1732400000050 } from './1732400000050-provider-stir-certificates.js';
import { Cdrs1732400000060 } from './1732400000060-cdrs.js';
import { KeyCheck1732400000070 } from './1732400000070-key-check.js';
import { TenantKind1732400000080 } from './1732400000080-tenant-kind.js';
import { ConsumerTgPriority1732400000081 } from './1732400000081-consumer-tg-priority.js';
import { CdrSipFields1732400000082 } from './1732400000082-cdr-sip-fields.js';

/** Every migration, in order. */
export const MIGRATIONS = [
  Extensions1732400000000,
  AdminApi1732400000001,
  Oauth1732400000010,
  StirCertificates1732400000020,
  ConsumerTgs1732400000030,
  SealedIdempotencyBodies1732400000040,
  ProviderStirCertificates1732400000050,
  Cdrs1732400000060,
  KeyCheck1732400000070,
  TenantKind1732400000080,
  ConsumerTgPriority1732400000081,
  CdrSipFields1732400000082,
];
