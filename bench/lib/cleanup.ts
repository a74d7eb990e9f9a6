const cleanups = new Set<() => Promise<void>>();

/** Registers work to undo (stop a process, drop a database) if the run is interrupted; returns an unregister. */
export function registerCleanup(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Runs every registered cleanup, newest first. */
export async function runCleanups(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    await fn().catch((err: unknown) => process.stderr.write(`bench: cleanup failed: ${String(err)}\n`));
  }
}
