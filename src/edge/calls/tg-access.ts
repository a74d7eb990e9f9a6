import { edgeProblem } from '../edge-problem.js';
import type { Principal } from '../../common/auth/principal.js';
import { ProblemException, type FieldError } from '../../common/http/problem.js';
import type { EdgeConfigStore } from '../config/edge-config.store.js';
import type { EdgeTrunk } from '../../contracts/edge-snapshot.js';

/** The caller's own TG, else 404 (another tenant's TG is indistinguishable from a missing one). */
export function ownTrunk(store: EdgeConfigStore, tgId: string, principal: Principal): EdgeTrunk {
  const trunk = store.trunk(tgId);
  if (!trunk || !principal.tenantId || trunk.tenantId !== principal.tenantId) {
    throw edgeProblem(404, 'tg-not-found', `No TG ${tgId}`);
  }
  return trunk;
}

export function assertTrunkActive(trunk: EdgeTrunk): void {
  if (trunk.state !== 'active') {
    throw edgeProblem(403, 'tg-disabled', `TG ${trunk.id} is disabled by the provider`, { tg: trunk.id });
  }
}

/** The request body as a JSON object, else a 400. */
export function jsonObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ProblemException.validation([{ pointer: '#', detail: 'the body must be a JSON object' }]);
  }
  return body as Record<string, unknown>;
}

/** Field errors for members that are not in `known`. */
export function unknownFields(body: Record<string, unknown>, known: readonly string[]): FieldError[] {
  return Object.keys(body)
    .filter((k) => !known.includes(k))
    .map((k) => ({ pointer: `#/${k}`, detail: `${k} is not a known field` }));
}
