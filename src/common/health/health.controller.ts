import { Controller, Get, Header, HttpCode, Inject, Optional } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { MetricsRegistry } from './metrics.js';
import { ProblemException } from '../http/problem.js';
import { Public } from '../auth/public.decorator.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly metrics: MetricsRegistry,
    @Optional() @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[] = [],
  ) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz() {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          await c.check();
          return { name: c.name, ok: true };
        } catch (err) {
          return { name: c.name, ok: false, error: (err as Error).message };
        }
      }),
    );
    const failed = results.filter((r) => !r.ok);
    if (failed.length) {
      throw ProblemException.of('not-ready', failed.map((f) => `${f.name}: ${f.error}`).join('; '), {
        checks: results,
      });
    }
    return { status: 'ready', checks: results };
  }

  @Get('metrics')
  @HttpCode(200)
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
