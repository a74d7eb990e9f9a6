import {
  type Advertisement,
  CALL_REQUEST_FIELDS,
  type CallRequest,
  callRequestErrors,
  computeDirectives,
  type DirectiveSet,
  type FieldError,
  matches,
  matchesAny,
  mostSpecificMatch,
  compareSpecificity,
  NoCommonCodecError,
  parseAdvertisement,
  type PassportVerification,
  type ProblemSlug,
  PROBLEMS,
} from '@riptrunk/ript';
import type { LimitDecision } from '../../contracts/call-limits.js';
import type { EdgeConsumerTg, EdgeRange, EdgeTrunk } from '../../contracts/edge-snapshot.js';
import { callerIdRanges, rangePattern } from '../config/tg-description.js';
import type { StoredHandler } from './handler-store.js';
import { testLineFor, TONE_CODECS, type CallRoute } from './test-lines.js';
import { jsonObjectErrors, unknownFields } from './request-fields.js';

/**
 * Call admission for `POST <tg>/calls` (profile §6), pure: the request and what the edge knows of the trunk, its
 * tenant and the on-net numbers go in; the call's route and directives, or a typed refusal, come out. It runs in
 * three steps because the edge looks things up between them, in this order: the request (before the handler is
 * looked up), the call (once the handler and the PASSporT check are known), and the limits (acquired only for a
 * call that passed everything else).
 */

/** Outcomes of `POST <tg>/calls`, the label of the attempts counter. */
export type CallAttemptOutcome =
  | 'created'
  | 'invalid'
  | 'tg-disabled'
  | 'handler-not-registered'
  | 'caller-id'
  | 'destination-not-allowed'
  | 'unreachable'
  | 'no-common-codec'
  | 'concurrency-limit'
  | 'cps-limit'
  | 'draining'
  | 'error';

/** Why a call was refused: the outcome counted, and the problem answered (a 400 listing field errors for `invalid`). */
export type CallRefusal =
  | { refused: true; outcome: 'invalid'; errors: FieldError[] }
  | {
      refused: true;
      outcome: Exclude<CallAttemptOutcome, 'created' | 'invalid'>;
      status: number;
      slug: ProblemSlug;
      detail: string;
      extra: Record<string, unknown>;
      headers: Record<string, string>;
    };

/** A refusal answered with the registered problem of `slug` (its status comes from the registry). */
export function refusal(
  outcome: Exclude<CallAttemptOutcome, 'created' | 'invalid'>,
  slug: ProblemSlug,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): CallRefusal {
  return { refused: true, outcome, status: PROBLEMS[slug].status, slug, detail, extra, headers };
}

export function isRefusal(value: unknown): value is CallRefusal {
  return (value as CallRefusal | undefined)?.refused === true;
}

/** The Retry-After (seconds) of refusals a client may retry at once: the TG's retry backoff, at least 1 s. */
export function retryAfterOf(retryBackoffMs: number): string {
  return String(Math.max(1, Math.ceil(retryBackoffMs / 1000)));
}

// ------------------------------------------------------------------ step 1: the request

export interface RequestCheck {
  draining: boolean;
  trunk: EdgeTrunk;
  body: unknown;
  retryAfter: string;
}

/** The edge is not draining, the body is a valid call request, and the TG is active. */
export function checkRequest({ draining, trunk, body, retryAfter }: RequestCheck): CallRequest | CallRefusal {
  if (draining) {
    return refusal(
      'draining',
      'edge-draining',
      'This edge is draining: place the call again',
      {},
      { 'retry-after': retryAfter },
    );
  }
  const notObject = jsonObjectErrors(body);
  if (notObject.length) return { refused: true, outcome: 'invalid', errors: notObject };
  const fields = body as Record<string, unknown>;
  const errors: FieldError[] = [...unknownFields(fields, CALL_REQUEST_FIELDS), ...callRequestErrors(fields)];
  if (errors.length) return { refused: true, outcome: 'invalid', errors };
  if (trunk.state !== 'active') {
    return refusal('tg-disabled', 'tg-disabled', `TG ${trunk.id} is disabled by the provider`, { tg: trunk.id });
  }
  return fields as unknown as CallRequest;
}

// ------------------------------------------------------------------ step 2: the call

/** What the edge knows of the tenants that own on-net numbers, and of the interconnects (EdgeConfigStore). */
export interface OnNetDirectory {
  rangeOwning(e164: string): EdgeRange | undefined;
  tenantStatus(tenantId: string): string | undefined;
  tenantKind(tenantId: string): 'enterprise' | 'interconnect' | undefined;
  consumerTgsOf(tenantId: string): EdgeConsumerTg[];
  /** The active consumer TGs of the active interconnect tenants. */
  interconnectConsumerTgs(): EdgeConsumerTg[];
}

/**
 * Where a call goes: a test line, or to these consumer TGs in order of preference, on-net (the callee tenant's) or
 * off-net (interconnects'); both go over the same relayed leg.
 */
export interface CallPlan {
  line: CallRoute;
  consumerTgs?: EdgeConsumerTg[];
  directives: DirectiveSet;
}

export interface CallCheck {
  trunk: EdgeTrunk;
  /** The trunk's advertisement, parsed (asked for only once the directives are computed). */
  trunkAd: () => Advertisement;
  request: CallRequest;
  /** The handler the request names, if it is stored under the request's TG. */
  handler: StoredHandler | null;
  /** The check of the request's PASSporT (wanted only when it has one and its handler serves). */
  passport?: PassportVerification;
  /** Every number range of the trunk's tenant (asked for only without a PASSporT). */
  tenantRanges: () => EdgeRange[];
  onNet: OnNetDirectory;
}

/** The handler is registered on the trunk (for its tenant): the PASSporT is checked next. */
export function handlerServes(trunk: EdgeTrunk, handler: StoredHandler | null): handler is StoredHandler {
  return handler !== null && handler.tenantId === trunk.tenantId;
}

/** Handler, caller ID, destination, route and directives, refused in that order. */
export function checkCall(check: CallCheck): CallPlan | CallRefusal {
  const { trunk, request, handler } = check;
  if (!handlerServes(trunk, handler)) {
    return refusal(
      'handler-not-registered',
      'handler-not-registered',
      `${request.handler} is not a handler registered on TG ${trunk.id}`,
      { handler: request.handler },
    );
  }
  const callerId = checkCallerId(check);
  if (callerId) return callerId;
  if (!matchesAny(trunk.destinations, request.destination)) {
    return refusal(
      'destination-not-allowed',
      'destination-not-allowed',
      `TG ${trunk.id} may not call ${request.destination}`,
      { destination: request.destination, allowed: trunk.destinations },
    );
  }
  const route = routeOf(request.destination, check.onNet, {
    fromInterconnect: check.onNet.tenantKind(trunk.tenantId) === 'interconnect',
  });
  if (isRefusal(route)) return route;
  const directives = directivesOf(parseAdvertisement(handler.advertisement), check.trunkAd(), route.line);
  if (isRefusal(directives)) return directives;
  return { ...route, directives };
}

/**
 * The caller ID: a PASSporT is verified and must assert `from`; without one, `from` must be a number of the trunk's
 * caller ID ranges, except on an interconnect trunk (profile §10), which carries the PSTN caller as received.
 */
function checkCallerId({ trunk, request, passport, tenantRanges, onNet }: CallCheck): CallRefusal | null {
  if (request.passport !== undefined) {
    if (!passport) throw new Error('checkCall: a request with a PASSporT needs its verification');
    if (!passport.ok) {
      return refusal('caller-id', 'passport-invalid', `The PASSporT was refused: ${passport.reason}`, {
        reason: passport.reason,
        from: request.from,
      });
    }
    if (passport.orig !== request.from) {
      return refusal(
        'caller-id',
        'caller-id-not-allowed',
        `The PASSporT asserts ${passport.orig}, not ${request.from}`,
        { from: request.from, orig: passport.orig },
      );
    }
    return null;
  }
  if (onNet.tenantKind(trunk.tenantId) === 'interconnect') return null;
  const ranges = callerIdRanges(trunk, tenantRanges());
  if (ranges.some((r) => matches(rangePattern(r), request.from))) return null;
  return refusal(
    'caller-id',
    'caller-id-not-allowed',
    `${request.from} is not a number of this trunk's caller ID ranges; send a PASSporT to use it`,
    { from: request.from, allowed: ranges.map(rangePattern) },
  );
}

/** Consumer TGs by priority, lower first; equal ones keep their order (registration order). */
function byPriority(tgs: EdgeConsumerTg[]): EdgeConsumerTg[] {
  return [...tgs].sort((a, b) => a.priority - b.priority);
}

/**
 * The off-net candidates for a destination (profile §10): the interconnect consumer TGs with a destination pattern
 * that matches it, the one with the most specific matching pattern first (compareSpecificity), then by priority.
 */
export function offNetCandidates(destination: string, tgs: readonly EdgeConsumerTg[]): EdgeConsumerTg[] {
  return tgs
    .flatMap((tg) => {
      const best = mostSpecificMatch(tg.destinations, destination);
      return best === null ? [] : [{ tg, best }];
    })
    .sort((a, b) => compareSpecificity(a.best, b.best) || a.tg.priority - b.tg.priority)
    .map((c) => c.tg);
}

/**
 * Where a destination goes (profile §10 routing order): a test line; on-net, the active consumer TGs of the tenant
 * owning the number; off-net, the matching consumer TGs of the active interconnect tenants; else 404. A call from an
 * interconnect trunk reaches on-net numbers only (no transit between interconnects).
 */
export function routeOf(
  destination: string,
  onNet: OnNetDirectory,
  caller: { fromInterconnect: boolean } = { fromInterconnect: false },
): { line: CallRoute; consumerTgs?: EdgeConsumerTg[] } | CallRefusal {
  const unreachable = (detail: string) => refusal('unreachable', 'destination-unreachable', detail, { destination });
  const line = testLineFor(destination);
  if (line === 'unassigned') return unreachable(`${destination} is not an assigned test line`);
  if (line) return { line };
  const owned = onNet.rangeOwning(destination);
  // an interconnect tenant owns no numbers: a range of one (there should be none) is no on-net number
  const range = owned && onNet.tenantKind(owned.tenantId) !== 'interconnect' ? owned : undefined;
  if (range) {
    if (onNet.tenantStatus(range.tenantId) !== 'active') {
      return unreachable(`${destination} is on-net but its customer's service is off`);
    }
    const consumerTgs = onNet.consumerTgsOf(range.tenantId).filter((tg) => matchesAny(tg.destinations, destination));
    if (consumerTgs.length === 0) {
      return refusal(
        'unreachable',
        'callee-unavailable',
        `${destination} is on-net but no active consumer TG of its customer takes it`,
        { destination },
      );
    }
    return { line: 'onnet', consumerTgs: byPriority(consumerTgs) };
  }
  if (caller.fromInterconnect) {
    return refusal(
      'destination-not-allowed',
      'interconnect-transit',
      `${destination} is not a number of ours: an interconnect trunk reaches on-net numbers only (no transit)`,
      { destination },
    );
  }
  const consumerTgs = offNetCandidates(destination, onNet.interconnectConsumerTgs());
  if (consumerTgs.length === 0) return unreachable(`No route to ${destination}`);
  return { line: 'onnet', consumerTgs };
}

/** The directives of a call (profile §5); the tone line plays G.711 only, so its server directives are G.711. */
export function directivesOf(
  handlerAd: Advertisement,
  trunkAd: Advertisement,
  line: CallRoute,
): DirectiveSet | CallRefusal {
  const noCommonCodec = (detail: string) => refusal('no-common-codec', 'no-common-codec', detail);
  let set: DirectiveSet;
  try {
    set = computeDirectives(handlerAd, trunkAd, { secondaryCodecs: true });
  } catch (err) {
    if (!(err instanceof NoCommonCodecError)) throw err;
    return noCommonCodec(err.message);
  }
  if (line !== 'tone') return set;
  const g711: Advertisement = {
    entries: trunkAd.entries.map((e) =>
      e.dir === 'out'
        ? { ...e, codecs: e.codecs.filter((c) => (TONE_CODECS as readonly string[]).includes(c.name)) }
        : e,
    ),
  };
  try {
    const server = computeDirectives(handlerAd, g711);
    return { ...set, server: server.server, serverDirectives: server.serverDirectives };
  } catch (err) {
    if (!(err instanceof NoCommonCodecError)) throw err;
    return noCommonCodec(`The tone test line plays ${TONE_CODECS.join(' or ')} only: ${err.message}`);
  }
}

// ------------------------------------------------------------------ step 3: the limits

/** The limits across every edge (CallLimits.acquire): null when the call may go ahead. */
export function checkLimits(trunk: EdgeTrunk, decision: LimitDecision, retryAfter: string): CallRefusal | null {
  if (decision.ok) return null;
  if (decision.limit === 'concurrency') {
    return refusal(
      'concurrency-limit',
      'concurrency-limit',
      `TG ${trunk.id} has ${trunk.maxConcurrentCalls} calls up already (max-concurrent-calls)`,
      { limit: 'max-concurrent-calls', value: trunk.maxConcurrentCalls },
      { 'retry-after': retryAfter },
    );
  }
  return refusal(
    'cps-limit',
    'cps-limit',
    `TG ${trunk.id} placed ${trunk.maxCallsPerSecond} calls in the last second (max-calls-per-second)`,
    { limit: 'max-calls-per-second', value: trunk.maxCallsPerSecond },
    { 'retry-after': String(Math.ceil(decision.retryAfterMs / 1000)) },
  );
}

/** The call passed admission but could not be set up (signing, storing, placing). */
export function setupFailed(detail: string, headers: Record<string, string> = {}): CallRefusal {
  return refusal('error', 'call-setup-failed', detail, {}, headers);
}
