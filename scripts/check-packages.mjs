// The publishable packages on their own (issue #11 "Done means"): `npm pack` @riptrunk/ript and @riptrunk/sdk,
// install the two tarballs into an empty folder (third-party dependencies from the registry, no workspace links), and
// check that the SDK imports, its CLI runs, its certificate code works without reflect-metadata, and that no server
// dependency came along. One line per check; exits 1 on any failure. Needs `npm run build` first.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGES = ['ript', 'sdk'];
const SERVER_ONLY = [/^@nestjs\//, /^typeorm$/, /^pg$/, /^ioredis$/, /^bullmq$/, /^reflect-metadata$/];
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

let failures = 0;
function check(ok, what, detail = '') {
  if (!ok) failures++;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}\n`);
}

/** Runs a command in `cwd`; the exit status and output, never a throw. */
function run(cwd, command, args) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
  return { status: r.status, stdout: r.stdout ?? '', output };
}

const firstLine = (text) => text.trim().split('\n')[0] ?? '';

/** Every installed package under `modules` (scoped ones and nested node_modules too), as [name, folder]. */
function installedPackages(modules) {
  const found = [];
  const visit = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const folder = join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        visit(folder);
        continue;
      }
      const manifest = join(folder, 'package.json');
      if (existsSync(manifest)) found.push([JSON.parse(readFileSync(manifest, 'utf8')).name ?? entry.name, folder]);
      visit(join(folder, 'node_modules'));
    }
  };
  visit(modules);
  return found;
}

for (const name of PACKAGES) {
  if (!existsSync(join(ROOT, 'packages', name, 'dist', 'index.js'))) {
    process.stdout.write(`FAIL packages/${name}/dist is missing: run \`npm run build\` first\n`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'riptrunk-packages-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(tarballs);
mkdirSync(app);
try {
  // 1. Pack each package; the tarball holds its dist and the sources its source maps name, no tests or build leftovers.
  const packed = {};
  for (const name of PACKAGES) {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tarballs, ...NPM_QUIET], {
      cwd: join(ROOT, 'packages', name),
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [info] = JSON.parse(out);
    packed[name] = join(tarballs, info.filename);
    const files = info.files.map((f) => f.path);
    const stray = files.filter((f) => f !== 'package.json' && !f.startsWith('dist/') && !f.startsWith('src/'));
    const leftovers = files.filter((f) => /\.spec\.|tsbuildinfo/.test(f));
    check(
      files.includes('dist/index.js') && stray.length === 0 && leftovers.length === 0,
      `npm pack packages/${name}: ${info.filename}, ${files.length} files, dist and src only, no spec or tsbuildinfo`,
      [...stray, ...leftovers].join(', '),
    );
  }

  // 2. An empty project that installs just the two tarballs.
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'riptrunk-pack-check', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  const install = run(app, 'npm', ['install', ...NPM_QUIET, packed.ript, packed.sdk]);
  check(install.status === 0, 'npm install of the two tarballs into an empty folder', firstLine(install.output));
  if (install.status !== 0) throw new Error('install failed');

  // Both @riptrunk packages are the packed ones, not a registry copy or a link into the workspace.
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')).packages;
  const ours = Object.entries(lock).filter(([path]) => /(^|\/)node_modules\/@riptrunk\//.test(path));
  check(
    ours.length === 2 && ours.every(([, entry]) => !entry.link && String(entry.resolved).startsWith('file:')),
    '@riptrunk/ript and @riptrunk/sdk installed once each, from the tarballs',
    ours.map(([path, entry]) => `${path} <- ${entry.link ? 'link' : entry.resolved}`).join(', '),
  );

  // 3. The SDK imports as a package.
  const imported = run(app, process.execPath, [
    '--input-type=module',
    '-e',
    "const sdk = await import('@riptrunk/sdk'); console.log(typeof sdk.RiptTrunkClient, typeof sdk.RiptTrunkClient.onboard);",
  ]);
  check(
    imported.status === 0 && imported.stdout.trim() === 'function function',
    "import('@riptrunk/sdk') exposes RiptTrunkClient",
    imported.status === 0 ? imported.stdout.trim() : firstLine(imported.output),
  );

  // 4. Its CLI runs through npx.
  const help = run(app, 'npx', ['--no-install', 'riptrunk', '--help']);
  check(
    help.status === 0 && help.stdout.includes('riptrunk onboard <provider-url>'),
    'npx riptrunk --help exits 0 and prints the usage',
    help.status === 0 ? firstLine(help.stdout) : `exit ${help.status}: ${firstLine(help.output)}`,
  );
  const certsHelp = run(app, 'npx', ['--no-install', 'riptrunk', 'certs', 'request', '--help']);
  check(
    certsHelp.status === 0 && certsHelp.stdout.includes('riptrunk certs request <number>'),
    'npx riptrunk certs request --help exits 0',
    certsHelp.status === 0 ? '' : `exit ${certsHelp.status}: ${firstLine(certsHelp.output)}`,
  );

  // 5. The certificate code (@peculiar/x509, which needs a Reflect polyfill) works without reflect-metadata.
  const csr = run(app, process.execPath, [
    '--input-type=module',
    '-e',
    [
      "const { numberCsr } = await import('@riptrunk/sdk');",
      "const { csrPem } = await numberCsr('+14085550100');",
      "console.log(typeof Reflect.getMetadata, csrPem.split('\\n')[0]);",
    ].join(' '),
  ]);
  check(
    csr.status === 0 && csr.stdout.trim() === 'function -----BEGIN CERTIFICATE REQUEST-----',
    'numberCsr (x509 with the @abraham/reflection polyfill) makes a CSR without reflect-metadata',
    csr.status === 0 ? csr.stdout.trim() : firstLine(csr.output),
  );

  // 6. Nothing of the server came along, at any depth.
  const packages = installedPackages(join(app, 'node_modules'));
  const server = packages.filter(([name]) => SERVER_ONLY.some((pattern) => pattern.test(name)));
  check(
    server.length === 0,
    `node_modules (${packages.length} packages) holds none of @nestjs/*, typeorm, pg, ioredis, bullmq, reflect-metadata`,
    server.map(([name, folder]) => `${name} (${relative(app, folder)})`).join(', '),
  );
} catch (err) {
  if (failures === 0) check(false, 'pack check', err.message);
} finally {
  if (failures === 0) rmSync(work, { recursive: true, force: true });
  else process.stdout.write(`left ${work} for a look\n`);
}
process.exit(failures === 0 ? 0 : 1);
