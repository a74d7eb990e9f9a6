#!/usr/bin/env node
// Before `npm test`: the SIP tests talk to real SIP software (sipp, Kamailio). Installs what is missing from
// Debian's packages when it can (root with apt-get), else says in one line what to install.
import { spawnSync } from 'node:child_process';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = [
  ['sipp', 'sip-tester'],
  ['kamailio', 'kamailio'],
  ['baresip', 'baresip'],
].filter(([cmd]) => !has(cmd));
if (missing.length) {
  const packages = missing.map(([, pkg]) => pkg);
  const root = process.getuid?.() === 0;
  if (root && has('apt-get')) {
    process.stdout.write(`installing ${packages.join(' ')} for the SIP tests (apt-get)\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install =
      update.status === 0 &&
      spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
    if (!install || install.status !== 0) {
      process.stderr.write(`could not install ${packages.join(' ')}; the SIP tests will fail without them\n`);
      process.exit(1);
    }
  } else {
    process.stderr.write(`the SIP tests need ${packages.join(' ')}: apt-get install -y ${packages.join(' ')}\n`);
    process.exit(1);
  }
}
