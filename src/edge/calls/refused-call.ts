import { ProblemException } from '../../common/http/problem.js';
import { edgeProblem } from '../edge-problem.js';
import type { CallRefusal } from './call-admission.js';

/** A refused `POST <tg>/calls`, thrown up to CallsService.create, which counts its outcome. */
export class RefusedCall extends Error {
  constructor(readonly refusal: CallRefusal) {
    super(refusal.outcome);
    this.name = 'RefusedCall';
  }

  /** The problem the client gets. */
  problem(): ProblemException {
    const r = this.refusal;
    if (r.outcome === 'invalid') return ProblemException.validation(r.errors);
    return edgeProblem(r.slug, r.detail, r.extra, r.headers);
  }
}

/** The accepted value of an admission step; throws its refusal. */
export function orRefuse<T>(checked: T | CallRefusal): T {
  if ((checked as CallRefusal | null)?.refused === true) throw new RefusedCall(checked as CallRefusal);
  return checked as T;
}
