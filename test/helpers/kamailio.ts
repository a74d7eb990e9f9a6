import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Kamailio (Debian's package) as the carrier's SIP proxy in tests, running test/sip/kamailio/gateway-proxy.cfg, the
 * configuration docs/interconnect.md documents, with its #!substdef values set for the test's ports.
 */

export const PROXY_CONFIG = resolve('test/sip/kamailio/gateway-proxy.cfg');

export function requireKamailio(): void {
  if (spawnSync('kamailio', ['-v']).error) {
    throw new Error('kamailio is not installed: apt-get install -y kamailio (.ci/run does it)');
  }
}

export interface KamailioOptions {
  port: number;
  /** The SIP core (sipp) the proxy sends gateways' calls to. */
  core: { host: string; port: number };
  /** The gateways it dispatches the core's calls over. */
  gateways: { host: string; port: number }[];
}

export interface KamailioProcess {
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

/** Writes the proxy's configuration for these ports and starts Kamailio in the foreground; resolves once it listens. */
export async function startKamailio(o: KamailioOptions): Promise<KamailioProcess> {
  requireKamailio();
  const dir = mkdtempSync(join(tmpdir(), 'riptrunk-kamailio-'));
  const list = join(dir, 'dispatcher.list');
  writeFileSync(list, o.gateways.map((g) => `1 sip:${g.host}:${g.port}\n`).join(''));
  const values: Record<string, string> = {
    PROXY_LISTEN: `udp:127.0.0.1:${o.port}`,
    CORE_ADDR: o.core.host,
    CORE_PORT: String(o.core.port),
    DISPATCHER_LIST: list,
  };
  const config = readFileSync(PROXY_CONFIG, 'utf8').replace(
    /^#!substdef "!(\w+)!([^!]*)!g"$/gm,
    (line, name: string) => (values[name] !== undefined ? `#!substdef "!${name}!${values[name]}!g"` : line),
  );
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, config);
  const child = spawn('kamailio', ['-DD', '-E', '-m', '64', '-M', '8', '-Y', dir, '-f', cfg], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (d: Buffer) => (log = (log + d.toString()).slice(-50_000));
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolveStart, reject) => {
    const deadline = setTimeout(() => reject(new Error(`kamailio did not start:\n${log}`)), 10_000);
    const check = setInterval(() => {
      // the dispatcher's first probes mean the worker processes are up
      if (/INFO|Listening on/.test(log)) {
        clearInterval(check);
        clearTimeout(deadline);
        resolveStart();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(deadline);
      reject(new Error(`kamailio exited with ${code}:\n${log}`));
    });
  });
  return {
    child,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
