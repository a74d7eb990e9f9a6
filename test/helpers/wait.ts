/**
 * Waiting in tests: on a condition the test can observe, never for a length of time. `sleep` is for the few
 * places that must let time pass (pacing media frames, proving that something does not happen); each says why.
 */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `fn` until `ok` holds for its value and returns that value. At the deadline it returns the last value, so
 * that the test's own assertion on it fails with what was seen.
 */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(intervalMs);
  }
}

/** Waits until `ok()` holds; throws "timed out waiting for <what>" at the deadline. */
export async function waitFor(ok: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  if (!(await eventually(ok, Boolean, timeoutMs, 10))) throw new Error(`timed out waiting for ${what}`);
}
