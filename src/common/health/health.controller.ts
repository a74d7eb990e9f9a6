import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ProblemException } from '../http/problem.js';
import { Public } from '../auth/public.decorator.js';
import { READINESS_CHECKS, readiness, type ReadinessCheck } from './readiness.js';

export { READINESS_CHECKS, type ReadinessCheck } from './readiness.js';

/**
 * The public port's health endpoints: liveness, and readiness as a bare yes or no. Metrics and the readiness details
 * are on the internal port (InternalServer).
 */
@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(@Optional() @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[] = []) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz() {
    const result = await readiness(this.checks);
    if (!result.ready) {
      throw ProblemException.of('not-ready', 'Not ready; the internal port /readyz names the failing checks');
    }
    return { status: 'ready' };
  }
}
