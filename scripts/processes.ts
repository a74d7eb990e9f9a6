import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

export interface Started {
  name: string;
  child: ChildProcess;
}

/** Starts a compiled entry point with its output prefixed by name; `nodeArgs` go to node before the script. */
export function startProcess(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv = process.env,
  nodeArgs: string[] = [],
): Started {
  return startCommand(name, process.execPath, ['--enable-source-maps', ...nodeArgs, script], { env });
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Each line of stdout goes here instead of to our stdout (prefixed by name). */
  onLine?: (line: string) => void;
  /** Each line of stderr goes here instead of to our stderr (prefixed by name). */
  onErrorLine?: (line: string) => void;
}

/** Starts any command; its stdout and stderr lines are prefixed by name unless `onLine`/`onErrorLine` take them. */
export function startCommand(name: string, command: string, args: string[], o: CommandOptions = {}): Started {
  const child = spawn(command, args, { env: o.env ?? process.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = (stream: NodeJS.ReadableStream | null, sink: (line: string) => void) => {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) if (line) sink(line);
    });
    stream?.on('end', () => rest && sink(rest));
  };
  const prefix = (stream: NodeJS.WritableStream) => (line: string) => stream.write(`[${name}] ${line}\n`);
  lines(child.stdout, o.onLine ?? prefix(process.stdout));
  lines(child.stderr, o.onErrorLine ?? prefix(process.stderr));
  return { name, child };
}

/** Polls a readiness URL until it answers 200, the process exits, or the timeout passes. */
export async function waitReady(url: string, caFile: string, started?: Started, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let agent: Agent | undefined;
  try {
    for (;;) {
      if (started && started.child.exitCode !== null)
        throw new Error(`${started.name} exited with code ${started.child.exitCode}`);
      try {
        agent ??= new Agent({ allowH2: true, connect: { ca: readFileSync(caFile, 'utf8') } });
        const res = await request(url, { dispatcher: agent });
        await res.body.dump();
        if (res.statusCode === 200) return;
      } catch {
        agent = undefined; // the CA may not exist yet on a first start
      }
      if (Date.now() > deadline) throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await agent?.close();
  }
}

export function stopAll(processes: Started[]): Promise<void> {
  return Promise.all(
    processes.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  ).then(() => undefined);
}
