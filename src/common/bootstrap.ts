import { AppConfig } from './config/app-config.js';
import { ConfigError } from './config/env.js';
import { KeyMismatchError } from './crypto/key-mismatch.error.js';
import { DependencyUnavailableError } from './dependency-unavailable.js';

/** Runs a process entry point; configuration and dependency errors end it with one clear line, no stack. */
export function runMain(name: string, main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: invalid configuration:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    } else if (err instanceof DependencyUnavailableError || err instanceof KeyMismatchError) {
      process.stderr.write(`${name}: ${err.message}\n`);
    } else {
      process.stderr.write(
        `${name}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    }
    process.exit(1);
  });
}

export function loadConfig(): AppConfig {
  return new AppConfig();
}
