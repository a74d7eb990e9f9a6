import { edgeProblem } from '../edge-problem.js';
import type { Principal } from '../../common/auth/principal.js';
import { ProblemException } from '../../common/http/problem.js';
import { jsonObjectErrors } from './request-fields.js';
import type { EdgeConfigStore } from '../config/edge-config.store.js';
import type { EdgeTrunk } from '../../contracts/edge-snapshot.js';

export { unknownFields } from './request-fields.js';

/** The caller's own TG, else 404 (another tenant's TG is indistinguishable from a missing one). */
export function ownTrunk(store: EdgeConfigStore, tgId: string, principal: Principal): EdgeTrunk {
  const trunk = store.trunk(tgId);
  if (!trunk || !principal.tenantId || trunk.tenantId !== principal.tenantId) {
    throw edgeProblem('tg-not-found', `No TG ${tgId}`);
  }
  return trunk;
}

export function assertTrunkActive(trunk: EdgeTrunk): void {
  if (trunk.state !== 'active') {
    throw edgeProblem('tg-disabled', `TG ${trunk.id} is disabled by the provider`, { tg: trunk.id });
  }
}

/** The request body as a JSON object, else a 400. */
export function jsonObject(body: unknown): Record<string, unknown> {
  const errors = jsonObjectErrors(body);
  if (errors.length) throw ProblemException.validation(errors);
  return body as Record<string, unknown>;
}
