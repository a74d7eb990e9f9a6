/**
 * Every problem type riptrunk answers (RFC 9457), in one place for the control plane, the edge and the SDK: a slug,
 * its type URI (`urn:riptrunk:problem:<slug>`), a title and the HTTP status it goes with. A new kind of error is a
 * new entry here, never a free string at the call site.
 */
export interface ProblemKind {
  readonly status: number;
  readonly title: string;
}

export const PROBLEMS = {
  // generic HTTP
  'bad-request': { status: 400, title: 'Bad Request' },
  validation: { status: 400, title: 'Invalid request' },
  'invalid-json': { status: 400, title: 'Invalid JSON' },
  'invalid-body': { status: 400, title: 'Invalid request body' },
  'invalid-cursor': { status: 400, title: 'Invalid pagination cursor' },
  'invalid-idempotency-key': { status: 400, title: 'Invalid Idempotency-Key' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'insufficient-scope': { status: 403, title: 'Insufficient scope' },
  'not-found': { status: 404, title: 'Not Found' },
  'method-not-allowed': { status: 405, title: 'Method Not Allowed' },
  'not-acceptable': { status: 406, title: 'Not Acceptable' },
  conflict: { status: 409, title: 'Conflict' },
  'precondition-failed': { status: 412, title: 'Precondition Failed' },
  'payload-too-large': { status: 413, title: 'Payload Too Large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported Media Type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused with another request' },
  'unprocessable-content': { status: 422, title: 'Unprocessable Content' },
  'precondition-required': { status: 428, title: 'Precondition Required' },
  'too-many-requests': { status: 429, title: 'Too Many Requests' },
  'internal-error': { status: 500, title: 'Internal Server Error' },
  'service-unavailable': { status: 503, title: 'Service Unavailable' },
  'not-ready': { status: 503, title: 'Not ready' },
  'shutting-down': { status: 503, title: 'Shutting down' },
  busy: { status: 503, title: 'Busy, try again' },

  // tenants, numbers, trunks, clients (control plane)
  'not-a-tenant': { status: 403, title: 'Not a tenant credential' },
  'tenant-not-found': { status: 404, title: 'Tenant not found' },
  'tenant-closed': { status: 409, title: 'Tenant closed' },
  'tenant-suspended': { status: 409, title: 'Tenant suspended' },
  'external-ref-taken': { status: 409, title: 'External reference already used' },
  'invalid-status-transition': { status: 409, title: 'Invalid status transition' },
  'invalid-number': { status: 400, title: 'Invalid telephone number' },
  'number-mismatch': { status: 400, title: 'Number does not match' },
  'unknown-number-range': { status: 400, title: 'Unknown number range' },
  'number-not-allowed': { status: 403, title: 'Number not allowed' },
  'number-not-assigned': { status: 404, title: 'Number not assigned' },
  'number-range-not-found': { status: 404, title: 'Number range not found' },
  'range-overlap': { status: 409, title: 'Number range overlaps another' },
  'interconnect-owns-no-numbers': { status: 409, title: 'An interconnect tenant owns no numbers' },
  'range-in-use': { status: 409, title: 'Number range in use' },
  'trunk-not-found': { status: 404, title: 'Trunk not found' },
  'trunk-name-taken': { status: 409, title: 'Trunk name already used' },
  'resource-not-found': { status: 404, title: 'Resource not found' },
  'client-not-found': { status: 404, title: 'Client not found' },
  'onboarding-code-not-found': { status: 404, title: 'Onboarding code not found' },
  'onboarding-code-used': { status: 409, title: 'Onboarding code already used' },
  'onboarding-code-revoked': { status: 409, title: 'Onboarding code already revoked' },
  'invalid-client-metadata': { status: 400, title: 'Invalid client metadata' },
  'auth-method-change': { status: 400, title: 'Authentication method cannot change' },
  'consumer-tg-not-found': { status: 404, title: 'Consumer TG not found' },
  'invalid-consumer-tg-uri': { status: 400, title: 'Invalid consumer TG URI' },
  'destinations-not-owned': { status: 403, title: 'Destinations not owned by the tenant' },
  'certificate-not-found': { status: 404, title: 'Certificate not found' },
  'malformed-csr': { status: 400, title: 'Malformed CSR' },
  'unsupported-csr-key': { status: 400, title: 'Unsupported CSR key' },
  'invalid-csr-signature': { status: 400, title: 'Invalid CSR signature' },
  'malformed-tnauthlist': { status: 400, title: 'Malformed TNAuthList' },
  'not-one-number': { status: 400, title: 'Not exactly one telephone number' },
  'number-required': { status: 400, title: 'Telephone number required' },
  'stir-ca-expired': { status: 503, title: 'STIR CA expired' },
  'capability-too-large': { status: 409, title: 'Capability document too large' },
  'edge-not-found': { status: 404, title: 'Edge not found' },

  // RIPT (edge and consumer TGs)
  'tg-not-found': { status: 404, title: 'Trunk group not found' },
  'tg-disabled': { status: 403, title: 'Trunk group disabled' },
  'advertisement-syntax': { status: 400, title: 'Invalid advertisement' },
  'no-common-codec': { status: 409, title: 'No common codec' },
  'handler-not-found': { status: 404, title: 'Handler not found' },
  'handler-exists': { status: 409, title: 'Handler already registered' },
  'handler-not-registered': { status: 409, title: 'Handler not registered' },
  'too-many-handlers': { status: 409, title: 'Too many handlers' },
  'invalid-event': { status: 400, title: 'Invalid event' },
  'invalid-event-stream': { status: 400, title: 'Invalid event stream' },
  'caller-id': { status: 403, title: 'Caller ID not allowed' },
  'destination-not-allowed': { status: 403, title: 'Destination not allowed' },
  'destination-unreachable': { status: 404, title: 'Destination unreachable' },
  /** An assigned number whose customer has no active consumer TG taking it (a gateway answers 480). */
  'callee-unavailable': { status: 404, title: 'Callee unavailable' },
  'interconnect-transit': { status: 403, title: 'No transit between interconnects' },
  'concurrency-limit': { status: 429, title: 'Concurrent call limit reached' },
  'cps-limit': { status: 429, title: 'Call rate limit reached' },
  'too-many-streams': { status: 429, title: 'Too many streams' },
  'call-not-found': { status: 404, title: 'Call not found' },
  'call-ended': { status: 404, title: 'Call ended' },
  'callee-protocol-error': { status: 502, title: 'Callee protocol error' },
  'callee-unreachable': { status: 503, title: 'Callee unreachable' },
  draining: { status: 503, title: 'Edge draining' },
  'edge-draining': { status: 503, title: 'Edge draining' },
  'passport-invalid': { status: 403, title: 'PASSporT refused' },
  'caller-id-not-allowed': { status: 403, title: 'Caller ID not allowed' },
  'call-setup-failed': { status: 503, title: 'Call setup failed' },
  'call-on-another-edge': { status: 421, title: 'Call served by another edge' },
} as const satisfies Record<string, ProblemKind>;

export type ProblemSlug = keyof typeof PROBLEMS;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_PREFIX = 'urn:riptrunk:problem:';

export function problemType(slug: ProblemSlug): string {
  return `${TYPE_PREFIX}${slug}`;
}

/** The slug of a riptrunk problem type URI, or null for any other type (a peer's problem, `about:blank`). */
export function problemSlugOf(type: unknown): ProblemSlug | null {
  if (typeof type !== 'string' || !type.startsWith(TYPE_PREFIX)) return null;
  const slug = type.slice(TYPE_PREFIX.length);
  return Object.hasOwn(PROBLEMS, slug) ? (slug as ProblemSlug) : null;
}

export interface FieldError {
  /** JSON pointer into the request body, e.g. "#/start". */
  pointer: string;
  detail: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** The problem document of a registered kind. */
export function problemDocument(
  slug: ProblemSlug,
  detail?: string,
  extra: Record<string, unknown> = {},
): ProblemDocument {
  const kind: ProblemKind = PROBLEMS[slug];
  return { type: problemType(slug), title: kind.title, status: kind.status, ...(detail ? { detail } : {}), ...extra };
}

/** The generic kind for a bare HTTP status (framework errors, unknown routes). */
export function slugForStatus(status: number): ProblemSlug {
  for (const [slug, kind] of Object.entries(PROBLEMS) as [ProblemSlug, ProblemKind][]) {
    if (kind.status === status && GENERIC.has(slug)) return slug;
  }
  return status >= 500 ? 'internal-error' : 'bad-request';
}

const GENERIC = new Set<ProblemSlug>([
  'bad-request',
  'unauthorized',
  'forbidden',
  'not-found',
  'method-not-allowed',
  'not-acceptable',
  'conflict',
  'precondition-failed',
  'payload-too-large',
  'unsupported-media-type',
  'unprocessable-content',
  'precondition-required',
  'too-many-requests',
  'internal-error',
  'service-unavailable',
]);
