export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

export interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
}

/** Runs every check; the results name internal hosts and errors, so they are shown on the internal port only. */
export async function readiness(
  checks: ReadinessCheck[],
): Promise<{ ready: boolean; status: 'ready' | 'not ready'; checks: CheckResult[] }> {
  const results = await Promise.all(
    checks.map(async (c): Promise<CheckResult> => {
      try {
        await c.check();
        return { name: c.name, ok: true };
      } catch (err) {
        return { name: c.name, ok: false, error: (err as Error).message };
      }
    }),
  );
  const ready = results.every((r) => r.ok);
  return { ready, status: ready ? 'ready' : 'not ready', checks: results };
}
