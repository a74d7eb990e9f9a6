/**
 * Settings shared by the scenarios. BENCH_QUICK=1 makes a smoke run: shorter windows and fewer steps, figures only good
 * for checking that everything works (the JSON records `quick: true`).
 */
export const QUICK = process.env.BENCH_QUICK === '1';

/** The full-run value, or the quick one under BENCH_QUICK=1. */
export function pick<T>(full: T, quick: T): T {
  return QUICK ? quick : full;
}

/** A comma-separated list of numbers from the environment, or the default. */
export function envNumbers(name: string, fallback: readonly number[]): number[] {
  const raw = process.env[name];
  if (!raw) return [...fallback];
  const values = raw.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error(`${name}: bad list ${raw}`);
  return values;
}

/** A number of seconds from the environment, or the default. */
export function envSeconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name}: bad number of seconds ${raw}`);
  return value;
}
