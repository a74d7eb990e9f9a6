import { fork, type ChildProcess } from 'node:child_process';
import type { EnterpriseProfile, TgDescriptionDoc } from '@riptrunk/sdk';
import { registerCleanup } from './cleanup.js';
import { repoPath } from './paths.js';
import { childEnv } from './process.js';

/**
 * The load generator of the calls scenario runs in worker processes (bench/lib/calls-worker.ts, forked over the
 * compiled JS) so that it is measured apart from the bench process and from the edge. The bench drives them with
 * commands over the IPC channel; each answers with its counters and encoded HdrHistograms.
 */

/** One onboarded enterprise (a PBX): its saved profile, its TG and its registered handler. */
export interface WorkerEnterprise {
  profile: EnterpriseProfile;
  tg: TgDescriptionDoc;
  handler: string;
  /** Caller IDs in the tenant's number range, used in turn. */
  from: string[];
}

/**
 * How the generator moves media: `sdk` = RiptCall.openMedia/sendFrame/onFrame; `raw` = the worker's own PUT and
 * GET streams on the same HTTP/2 sessions, one preformatted buffer per frame and a minimal parser.
 */
export type MediaMode = 'sdk' | 'raw';

export interface InitArgs {
  worker: number;
  enterprises: WorkerEnterprise[];
  destination: string;
  setupTimeoutMs: number;
  frameMs: number;
  payloadBytes: number;
  /** Frames echoed later than this count as lost. */
  lossAfterMs: number;
}

export interface SetupsResult {
  /** Cycles (POST 201, answered, end sent, `end` read, streams closed) that completed inside the timed window. */
  completed: number;
  failures: number;
  outcomes: Record<string, number>;
  errorSamples: string[];
  /** POST until the `answered` event was read. */
  setupHistogram: string;
  /** The whole cycle: POST, answered, end sent, the `end` event read. */
  cycleHistogram: string;
}

export interface GrowArgs {
  /** Calls this worker should have running (it adds the missing ones). */
  calls: number;
  mode: MediaMode;
  target: 'edge' | 'baseline';
  baselineUrl?: string;
  callsPerSession: number;
  setupConcurrency: number;
}

export interface GrowResult {
  calls: number;
  added: number;
  failed: number;
  outcomes: Record<string, number>;
  errorSamples: string[];
  sessions: number;
  seconds: number;
}

export interface WindowResult {
  /** Frames written while the window was open. */
  sent: number;
  /** Of those, frames echoed back within lossAfterMs. */
  echoed: number;
  /** Of those, frames echoed back later than lossAfterMs (counted as lost). */
  late: number;
  /** Echoed frames that came back on another call's stream, or out of order / twice. */
  misrouted: number;
  reordered: number;
  /** Acks the server sent on the GET streams. */
  acksReceived: number;
  /** PUT writes that returned false (the stream's buffer was full). */
  blockedWrites: number;
  /** Calls running at the end of the window; calls that ended without being asked (media timeout, ...). */
  calls: number;
  endedByServer: number;
  /** Receive time − send time per frame (sent inside the window), µs. */
  latencyHistogram: string;
  /** This worker's event-loop delay during the window (perf_hooks), ms beyond the sampling timer's period. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Garbage collection time during the window, ms. */
  gcMs: number;
  /** Ticks of the shared 20 ms timer during the window, and the time its busiest tick took (ms). */
  ticks: number;
  maxTickMs: number;
  windowMs: number;
}

export interface StopResult {
  ended: number;
  endFailures: number;
  seconds: number;
}

export interface WorkerCommands {
  init: [InitArgs, { pid: number }];
  setupsStart: [{ loops: number }, void];
  setupsRecord: [Record<string, never>, void];
  setupsStop: [Record<string, never>, SetupsResult];
  mediaGrow: [GrowArgs, GrowResult];
  windowStart: [Record<string, never>, void];
  windowStop: [{ graceMs: number }, WindowResult];
  mediaStop: [Record<string, never>, StopResult];
}

export type CommandName = keyof WorkerCommands;

export interface CommandMessage {
  id: number;
  command: CommandName;
  args: unknown;
}

export type ReplyMessage = { id: number; result: unknown } | { id: number; error: string };

/** A forked load-generator process. */
export class LoadWorker {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;
  private readonly unregister: () => void;

  private constructor(
    readonly index: number,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: ReplyMessage) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if ('error' in message) waiter.reject(new Error(`load worker ${index}: ${message.error}`));
      else waiter.resolve(message.result);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.waiting.values())
        waiter.reject(new Error(`load worker ${index} exited (${signal ?? code})`));
      this.waiting.clear();
    });
    this.unregister = registerCleanup(() => this.stop());
  }

  static start(index: number): LoadWorker {
    // BENCH_CALLS_WORKER_PROFILE=<dir>: a V8 CPU profile of each worker (written when it exits).
    const profileDir = process.env.BENCH_CALLS_WORKER_PROFILE;
    const child = fork(repoPath('dist', 'bench', 'lib', 'calls-worker.js'), [], {
      // No --enable-source-maps: the generator stays lean (the SDK builds an Error for every closed stream).
      execArgv: [
        ...(profileDir
          ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=calls-worker${index}.cpuprofile`]
          : []),
      ],
      env: childEnv({ NODE_ENV: 'production' }),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new LoadWorker(index, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<C extends CommandName>(command: C, args: WorkerCommands[C][0]): Promise<WorkerCommands[C][1]> {
    if (this.exited) return Promise.reject(new Error(`load worker ${this.index} has exited`));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, command, args } satisfies CommandMessage);
    });
  }

  /** Disconnects (the worker then closes its streams and exits), SIGKILL after 5 s; safe to call twice. */
  async stop(): Promise<void> {
    this.unregister();
    if (this.exited || this.child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      kill.unref();
      if (this.child.connected) this.child.disconnect();
      else this.child.kill('SIGTERM');
    });
  }
}
