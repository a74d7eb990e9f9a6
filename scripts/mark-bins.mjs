// tsc writes files without the execute bit; the CLIs are run directly (npx riptrunk, riptrunk-admin).
import { chmodSync, existsSync } from 'node:fs';

for (const bin of ['packages/sdk/dist/cli.js', 'dist/src/control-plane/admin-cli/cli.js']) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
