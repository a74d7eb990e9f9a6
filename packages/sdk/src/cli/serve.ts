import { writeFileSync } from 'node:fs';
import { writeWav } from '../audio/index.js';
import { loadProfile } from '../profile.js';
import { RiptTrunkClient, type InboundService } from '../riptrunk-client.js';
import { answerCalls, type AnswerMode, type ServedCall } from '../serve.js';
import { audioSource, checkOneAudioSource } from './files.js';
import { positiveIntOption, UsageError } from './kit.js';
import { profilePath, type CliValues } from './options.js';
import { serveTlsMaterial, type ServeTlsOptions } from './serve-tls.js';

export interface ServeOptions {
  mode: AnswerMode;
  port: number;
  host: string;
  publicUrl?: string;
  /** Exit after this many calls (default: on SIGINT or SIGTERM). */
  maxCalls?: number;
  /** OUT.wav for the first call's recording, OUT-2.wav... for later ones. */
  record?: string;
  tls: ServeTlsOptions;
  /** The provider's CA (default: the profile's), also the CA of --ca-key. */
  cacert?: string;
  profile: string;
  json?: boolean;
}

export function serveOptions(values: CliValues): ServeOptions {
  const modes = (['answer', 'echo', 'decline'] as const).filter((m) => values[m]);
  if (modes.length > 1) throw new UsageError('use one of --answer, --echo, --decline');
  checkOneAudioSource(values);
  const kind = modes[0] ?? 'answer';
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535');
  const maxCalls = values.calls ? positiveIntOption(values, 'calls') : undefined;
  const host = values.host ?? '127.0.0.1';
  const publicUrl = values['public-url'];
  if (publicUrl && !/^https:\/\/[^/]+\/?$/.test(publicUrl)) {
    throw new UsageError('--public-url must be an https origin such as https://pbx.example.com:8443');
  }
  const mode: AnswerMode = {
    kind,
    record: Boolean(values.record),
    ...(values.seconds ? { seconds: positiveIntOption(values, 'seconds') } : {}),
    ...(kind === 'answer' ? { source: audioSource(values) } : {}),
  };
  return {
    mode,
    port,
    host,
    publicUrl,
    maxCalls,
    record: values.record,
    tls: { cert: values.cert, key: values.key, caKey: values['ca-key'] },
    cacert: values.cacert,
    profile: profilePath(values),
    json: values.json,
  };
}

/** One progress event: a JSON line with --json, else a human line (on stderr unless it is a result). */
function event(o: ServeOptions, json: Record<string, unknown>, human: string, toStdout = false): void {
  if (o.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else (toStdout ? process.stdout : process.stderr).write(`${human}\n`);
}

function recordPath(base: string, n: number): string {
  if (n === 1) return base;
  const dot = base.toLowerCase().endsWith('.wav') ? base.length - 4 : base.length;
  return `${base.slice(0, dot)}-${n}${base.slice(dot)}`;
}

/** `riptrunk serve`: runs and registers a consumer TG, answers calls, and unregisters on exit. */
export async function serve(o: ServeOptions): Promise<void> {
  const profile = loadProfile(o.profile);
  const caFile = o.cacert ?? profile.caFile;
  const tls = await serveTlsMaterial(o.tls, caFile, o.host, o.publicUrl);
  const client = await RiptTrunkClient.fromProfile(profile);
  let service: InboundService | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        await service?.close({ unregister: true });
      } catch (err) {
        event(o, { event: 'error', message: (err as Error).message }, `riptrunk: ${(err as Error).message}`);
        process.exitCode = 1;
      } finally {
        await client.close();
      }
      event(o, { event: 'stopped' }, 'stopped; registration removed');
    })());
  try {
    event(o, { event: 'starting' }, 'starting the inbound server and registering it with your provider...');
    service = await client.serveInbound({
      cert: tls.cert,
      key: tls.key,
      port: o.port,
      host: o.host,
      ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
    });
  } catch (err) {
    await client.close();
    throw err;
  }
  const { server, registration, tg } = service;
  // Listening for SIGINT/SIGTERM before saying `registered`: a signal sent on that line must stop us cleanly, not
  // find no handler and kill the process with the registration left behind.
  const signalled = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  event(
    o,
    {
      event: 'registered',
      uri: server.uri,
      port: server.port,
      id: registration.id,
      state: registration.state,
      tg: tg.uri,
      destinations: registration.outbound.destinations,
    },
    `serving ${server.uri} for ${registration.outbound.destinations.join(', ')}: ${registration.state} on ${tg.name} (${registration.id})`,
  );
  let served = 0;
  const done = new Promise<void>((resolve) => {
    answerCalls(server, o.mode, {
      onCall: (call) =>
        event(
          o,
          { event: 'call', call: call.uri, from: call.from, to: call.to },
          `call from ${call.from} to ${call.to}`,
        ),
      onEnded: (s: ServedCall) => {
        served++;
        let recorded: string | undefined;
        if (o.record && s.recorded) {
          recorded = recordPath(o.record, served);
          writeFileSync(recorded, writeWav(s.recorded, { sampleRate: 8000 }));
        }
        const { recorded: _pcm, stats, ...rest } = s;
        event(
          o,
          { event: 'ended', ...rest, ...stats, ...(recorded ? { recordedFile: recorded } : {}) },
          `call from ${s.from} to ${s.to}: ${s.state} (${s.reason}) after ${(s.durationMs / 1000).toFixed(1)} s, ` +
            `frames ${stats.framesSent} sent / ${stats.framesReceived} received, loss ${(stats.lossRatio * 100).toFixed(2)} %` +
            (recorded ? `, recorded ${recorded}` : ''),
          true,
        );
        if (o.maxCalls !== undefined && served >= o.maxCalls) resolve();
      },
    });
    void signalled.then(resolve);
  });
  await done;
  await stop();
}
