import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * sipp (Debian's sip-tester) as the carrier's SIP core or a SIP caller in tests: real SIP software nobody here wrote.
 * `.ci/run` installs it; a machine without it fails the SIP tests with a line saying how to install it.
 */

export const SCENARIOS = resolve('test/sip/scenarios');

export function requireSipp(): void {
  if (spawnSync('sipp', ['-v']).error) {
    throw new Error('sipp is not installed: apt-get install -y sip-tester (.ci/run does it)');
  }
}

/** A UDP port free right now (sipp takes fixed ports). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

/** An even UDP port with the next one free too (RTP and RTCP, sipp's -mp). */
export async function freeRtpPort(): Promise<number> {
  for (;;) {
    const port = await freeUdpPort();
    if (port % 2 === 0 && port < 65534) return port;
  }
}

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /**
   * What sipp's error log (-trace_err) says went wrong: empty when nothing did. Its own watchdog's overload
   * warnings on a busy machine are left out (they say the host was slow, not that a message was wrong).
   */
  errors: string;
}

function callErrors(log: string): string {
  return log
    .split('\n')
    .filter((line) => line.trim() && !/^The following events occurred:/.test(line) && !/Overload warning/.test(line))
    .join('\n');
}

export interface SippProcess {
  child: ChildProcess;
  /** Resolves when sipp exits (0: every call succeeded, 1: some failed, other: fatal). */
  exited: Promise<SippResult>;
  stop(): Promise<SippResult>;
}

export interface SippOptions {
  /** A scenario file of test/sip/scenarios (e.g. 'core-answer-echo.xml'). */
  scenario: string;
  /** sipp's SIP port on `host`. */
  port: number;
  /** The local address sipp binds (default 127.0.0.1; any 127/8 address is local on Linux). */
  host?: string;
  /** The media port (-mp); -rtp_echo echoes what arrives there. */
  mediaPort?: number;
  rtpEcho?: boolean;
  /** The peer for a UAC scenario: host:port. */
  remote?: string;
  /** Request-URI user (-s) for a UAC scenario. */
  service?: string;
  transport?: 'udp' | 'tcp';
  /** Calls before sipp exits (-m). */
  calls?: number;
  /** Calls per second for a UAC scenario (-r). */
  rate?: number;
  /** Parallel calls at most (-l). */
  limit?: number;
  /** -key name value pairs for the scenario's [name] keywords. */
  keys?: Record<string, string>;
  /** Pause length (-d, ms) for <pause/>. */
  durationMs?: number;
  extra?: string[];
}

/** Starts sipp in the background (-bg is not used: the test owns the process and its exit code). */
export function startSipp(o: SippOptions): SippProcess {
  requireSipp();
  const dir = mkdtempSync(join(tmpdir(), 'riptrunk-sipp-'));
  const args = [
    '-sf',
    join(SCENARIOS, o.scenario),
    '-i',
    o.host ?? '127.0.0.1',
    '-p',
    String(o.port),
    '-t',
    o.transport === 'tcp' ? 't1' : 'u1',
    '-nostdin',
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    '-timeout',
    '60s',
    '-timeout_error',
    ...(o.mediaPort ? ['-mp', String(o.mediaPort), '-mi', o.host ?? '127.0.0.1'] : []),
    ...(o.rtpEcho ? ['-rtp_echo'] : []),
    ...(o.service ? ['-s', o.service] : []),
    ...(o.calls ? ['-m', String(o.calls)] : []),
    ...(o.rate ? ['-r', String(o.rate)] : []),
    ...(o.limit ? ['-l', String(o.limit)] : []),
    ...(o.durationMs ? ['-d', String(o.durationMs)] : []),
    ...Object.entries(o.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
    ...(o.extra ?? []),
    ...(o.remote ? [o.remote] : []),
  ];
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const exited = new Promise<SippResult>((resolveExit) => {
    child.once('exit', (code) => {
      let errors = '';
      for (const f of readdirSync(dir)) if (f.endsWith('.log')) errors += readFileSync(join(dir, f), 'utf8');
      resolveExit({ code, stdout, stderr, errors: callErrors(errors) });
    });
  });
  return {
    child,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGUSR1');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
