/**
 * Preloaded (node --import) into a process profiled with --cpu-prof. V8 writes the profile only on a normal exit, but
 * Nest ends its shutdown by re-raising SIGTERM. The first signal is left to the application; the second one, or a
 * shutdown that takes too long, becomes process.exit() so that the profile is written.
 */
let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (++signals > 1) process.exit(0);
    setTimeout(() => process.exit(0), 8000).unref();
  });
}
