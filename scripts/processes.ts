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
  const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, script], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) stream.write(`[${name}] ${line}\n`);
  };
  child.stdout?.on('data', prefix(process.stdout));
  child.stderr?.on('data', prefix(process.stderr));
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
