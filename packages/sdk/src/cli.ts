#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { fetch as undiciFetch } from 'undici';
import { ClientError, explainNetworkError, providerAgent } from './http.js';
import { readWav, toTelephonyPcm, ToneGenerator, WavFormatError, writeWav } from './audio/index.js';
import { requestNumberCertificate } from './certs.js';
import { placeAndPlay } from './dial.js';
import { loadProfile, saveProfile } from './profile.js';
import { RiptTrunkClient, type InboundService } from './riptrunk-client.js';
import { answerCalls, type AnswerMode, type ServedCall } from './serve.js';

const USAGE = `riptrunk: the enterprise side of a RIPT trunk, and carrier admin helpers

Usage:
  riptrunk onboard <provider-url> <onboarding-code> [--profile FILE] [--cacert FILE]
  riptrunk tgs [--profile FILE]
  riptrunk call <number> [--from E164] [--tone HZ | --play FILE.wav] [--record OUT.wav] [--seconds N]
  riptrunk serve [--port N] [--host H] [--public-url URL] (--cert FILE --key FILE | --ca-key FILE [--cacert FILE])
                 [--answer | --echo | --decline] [--tone HZ | --play FILE.wav] [--record OUT.wav]
                 [--seconds N] [--calls N]
  riptrunk certs request <number> [--out PREFIX]
  riptrunk admin tenant create --name NAME [--external-ref REF]
  riptrunk admin numbers add --tenant ID --start E164 (--end E164 | --count N)
  riptrunk admin trunk create --tenant ID --name NAME --max-calls N --cps N [--codecs opus,PCMU]
  riptrunk admin code create --tenant ID

Options:
  --profile FILE   enterprise profile (default ~/.riptrunk/profile.json, mode 0600)
  --cacert FILE    trust this CA for the provider (e.g. .data/ca.pem of a local run)
  --json           machine-readable output (serve: one JSON object per line)
  -h, --help       this help

serve runs your consumer TG: an HTTPS server for the calls your provider delivers to your numbers. It registers
it with the provider (a fresh token each run), waits until the provider has verified it, and answers calls:
  --answer         answer and play --tone HZ (default 440) or --play FILE.wav (the default)
  --echo           answer and send back what the caller sends
  --decline        decline every call
  --record OUT.wav record what callers send (OUT-2.wav... for later calls)
  --seconds N      end answered calls after N seconds (default: the caller ends them)
  --calls N        exit after N calls
  --port N, --host H   where to listen (default a free port on 127.0.0.1)
  --public-url URL     the https origin the provider reaches (default https://localhost:PORT)
  --cert/--key FILE    TLS certificate chain and key (PEM); for a local run instead --ca-key FILE issues a
                       localhost certificate from that CA (e.g. .data/ca-key.pem), whose certificate is
                       --cacert (default: the CA file of the profile)
  It unregisters on exit (SIGINT, SIGTERM, or after --calls).
certs request gets a STIR certificate for one of your numbers: a new P-256 key and CSR, certified by the
provider's STIR CA; writes PREFIX.key.pem (mode 0600) and PREFIX.cert.pem (default PREFIX: the number's digits).
Admin commands read the control plane URL from --url or RIPTRUNK_URL and the operator token from
RIPTRUNK_ADMIN_TOKEN.
Exit codes: 0 success, 1 failure, 2 usage error.`;

const OPTIONS = {
  profile: { type: 'string' },
  cacert: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  url: { type: 'string' },
  name: { type: 'string' },
  'external-ref': { type: 'string' },
  tenant: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  count: { type: 'string' },
  'max-calls': { type: 'string' },
  cps: { type: 'string' },
  codecs: { type: 'string' },
  from: { type: 'string' },
  tone: { type: 'string' },
  play: { type: 'string' },
  record: { type: 'string' },
  seconds: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'ca-key': { type: 'string' },
  answer: { type: 'boolean' },
  echo: { type: 'boolean' },
  decline: { type: 'boolean' },
  calls: { type: 'string' },
  out: { type: 'string' },
} satisfies ParseArgsConfig['options'];

class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

function out(values: Values, json: unknown, human: string): void {
  process.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
}

function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v) throw new UsageError(`--${name} is required`);
  return v;
}

function positiveInt(values: Values, name: string): number {
  const n = Number(required(values, name));
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number`);
  return n;
}

function e164(value: string, name: string): string {
  if (!/^\+[1-9]\d{1,14}$/.test(value)) throw new UsageError(`${name} must be an E.164 number like +14085550100`);
  return value;
}

function readWavFile(path: string) {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new ClientError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`, 'wav');
  }
  try {
    return readWav(bytes);
  } catch (err) {
    if (err instanceof WavFormatError) throw new ClientError(`${path}: ${err.message}`, 'wav');
    throw err;
  }
}

const profilePath = (values: Values) =>
  (values.profile as string | undefined) ?? join(homedir(), '.riptrunk', 'profile.json');

async function admin(values: Values, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const base = ((values.url as string | undefined) ?? process.env.RIPTRUNK_URL ?? 'https://localhost:8443').replace(
    /\/+$/,
    '',
  );
  const token = process.env.RIPTRUNK_ADMIN_TOKEN;
  if (!token) throw new UsageError('set RIPTRUNK_ADMIN_TOKEN to the operator token');
  const agent = providerAgent(values.cacert as string | undefined);
  try {
    const res = await undiciFetch(`${base}${path}`, {
      method,
      dispatcher: agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((err: unknown) => {
      throw explainNetworkError(err, base);
    });
    const parsed = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status >= 400)
      throw new ClientError(`${res.status} ${String(parsed.detail ?? parsed.title ?? '')}`, 'http', res.status);
    return parsed;
  } finally {
    await agent.close();
  }
}

async function run(argv: string[]): Promise<void> {
  const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const values = parsed.values as Values;
  const positionals = parsed.positionals;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    if (!command && !values.help) process.exitCode = 2;
    return;
  }
  switch (command) {
    case 'onboard': {
      const [url, code] = rest;
      if (!url || !code) throw new UsageError('onboard needs <provider-url> <onboarding-code>');
      if (!values.json) process.stderr.write(`discovering ${url} and registering with the onboarding code...\n`);
      const started = Date.now();
      const profile = await RiptTrunkClient.onboard(url, code, { caFile: values.cacert as string | undefined });
      const path = profilePath(values);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
      saveProfile(path, profile);
      out(
        values,
        { clientId: profile.clientId, profile: path, issuer: profile.issuer, onboardingMs: Date.now() - started },
        `onboarded as ${profile.clientId} in ${Date.now() - started} ms; profile saved to ${path} (mode 0600)`,
      );
      return;
    }
    case 'tgs': {
      const client = await RiptTrunkClient.fromProfile(loadProfile(profilePath(values)));
      try {
        const tgs = await client.providerTgs();
        const described = await Promise.all(tgs.map((tg) => client.tgDescription(tg.uri)));
        out(
          values,
          described,
          described.length
            ? described
                .map(
                  (d) =>
                    `${d.name}  ${d.uri}\n  caller IDs: ${d.outbound.origins.join(', ') || '(none)'}\n  destinations: ${d.outbound.destinations.join(', ')}\n  limits: ${d.limits['max-concurrent-calls']} calls, ${d.limits['max-calls-per-second']}/s\n  advertisement: ${d.advertisement}`,
                )
                .join('\n')
            : 'no trunks yet: ask your provider to create one',
        );
      } finally {
        await client.close();
      }
      return;
    }
    case 'call': {
      const [number] = rest;
      if (!number) throw new UsageError('call needs <number>');
      e164(number, '<number>');
      if (values.from) e164(values.from as string, '--from');
      if (values.tone && values.play) throw new UsageError('use --tone or --play, not both');
      const seconds = values.seconds ? positiveInt(values, 'seconds') : 5;
      const source = values.play
        ? toTelephonyPcm(readWavFile(values.play as string))
        : new ToneGenerator({ frequency: values.tone ? Number(values.tone) : 440 });
      const client = await RiptTrunkClient.fromProfile(loadProfile(profilePath(values)));
      try {
        const summary = await placeAndPlay(
          client,
          number,
          values.from as string | undefined,
          source,
          seconds,
          (line) => {
            if (!values.json) process.stderr.write(`${line}\n`);
          },
        );
        if (values.record) writeFileSync(values.record as string, writeWav(summary.recorded, { sampleRate: 8000 }));
        if (summary.outcome !== 'answered') process.exitCode = 1;
        const s = summary.stats;
        out(
          values,
          { outcome: summary.outcome, call: summary.uri, ...s },
          [
            `call to ${number}: ${summary.outcome}`,
            `  setup time     ${s.setupTimeMs?.toFixed(0) ?? '-'} ms`,
            `  frames         ${s.framesSent} sent, ${s.framesReceived} received`,
            `  loss           ${(s.lossRatio * 100).toFixed(2)} %`,
            `  jitter         ${s.jitterMs.toFixed(2)} ms`,
            `  round trip     ${s.rttP50Ms === null ? '-' : `${s.rttP50Ms.toFixed(1)} ms (p50)`}`,
            ...(values.record ? [`  recorded       ${values.record as string}`] : []),
          ].join('\n'),
        );
      } finally {
        await client.close();
      }
      return;
    }
    case 'serve':
      return serve(values);
    case 'certs': {
      const [action, number] = rest;
      if (action !== 'request' || !number)
        throw new UsageError('usage: riptrunk certs request <number> [--out PREFIX]');
      e164(number, '<number>');
      const client = await RiptTrunkClient.fromProfile(loadProfile(profilePath(values)));
      try {
        const [listed] = await client.providerTgs();
        if (!listed) throw new ClientError('your provider has no trunk for you yet', 'no-tg');
        const cert = await requestNumberCertificate(client, number, await client.tgDescription(listed.uri));
        const prefix = (values.out as string | undefined) ?? number.slice(1);
        const keyFile = `${prefix}.key.pem`;
        const certFile = `${prefix}.cert.pem`;
        writeFileSync(keyFile, cert.keyPem, { mode: 0o600 });
        chmodSync(keyFile, 0o600);
        writeFileSync(certFile, cert.certificate);
        const { keyPem: _key, ...shown } = cert;
        out(
          values,
          { ...shown, keyFile, certFile },
          `certificate ${cert.id} for ${cert.number}, valid until ${cert.notAfter}\n  key   ${keyFile} (mode 0600)\n  cert  ${certFile}\n  x5u   ${cert.x5u}`,
        );
      } finally {
        await client.close();
      }
      return;
    }
    case 'admin': {
      const [resource, action] = rest;
      const key = `${resource} ${action}`;
      if (key === 'tenant create') {
        const t = await admin(values, 'POST', '/v1/tenants', {
          name: required(values, 'name'),
          ...(values['external-ref'] ? { externalRef: values['external-ref'] } : {}),
        });
        return out(values, t, `tenant ${String(t.id)} created`);
      }
      if (key === 'numbers add') {
        const tenant = required(values, 'tenant');
        const body: Record<string, unknown> = { start: e164(required(values, 'start'), '--start') };
        if (values.end) body.end = e164(values.end as string, '--end');
        else body.count = positiveInt(values, 'count');
        const r = await admin(values, 'POST', `/v1/tenants/${tenant}/number-ranges`, body);
        return out(
          values,
          r,
          `range ${String(r.id)}: ${String(r.start)} to ${String(r.end)} (${String(r.count)} numbers)`,
        );
      }
      if (key === 'trunk create') {
        const tenant = required(values, 'tenant');
        const t = await admin(values, 'POST', `/v1/tenants/${tenant}/trunks`, {
          name: required(values, 'name'),
          maxConcurrentCalls: positiveInt(values, 'max-calls'),
          maxCallsPerSecond: positiveInt(values, 'cps'),
          ...(values.codecs ? { codecs: (values.codecs as string).split(',') } : {}),
        });
        return out(values, t, `trunk ${String(t.id)} created`);
      }
      if (key === 'code create') {
        const tenant = required(values, 'tenant');
        const c = await admin(values, 'POST', `/v1/tenants/${tenant}/onboarding-codes`, {});
        return out(
          values,
          c,
          `onboarding code ${String(c.code)} (expires ${String(c.expiresAt)})\ndiscovery: ${String(c.discoveryUrl)}`,
        );
      }
      throw new UsageError(`unknown admin command: ${key}`);
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

function line(values: Values, json: Record<string, unknown>, human: string, toStdout = false): void {
  if (values.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else (toStdout ? process.stdout : process.stderr).write(`${human}\n`);
}

async function tlsMaterial(values: Values, caFile: string | undefined, host: string, publicUrl?: string) {
  if (values.cert || values.key) {
    return { cert: readFileChecked(required(values, 'cert')), key: readFileChecked(required(values, 'key')) };
  }
  if (!values['ca-key']) {
    throw new UsageError('serve needs --cert FILE --key FILE (or, for a local run, --ca-key FILE with --cacert FILE)');
  }
  if (!caFile) throw new UsageError('--ca-key needs --cacert FILE, the certificate of that CA');
  const { X509Certificate } = await import('@peculiar/x509');
  const { importPrivateKeyPem, issueServerCertificate } = await import('@riptrunk/ript');
  const ca = {
    cert: new X509Certificate(readFileChecked(caFile)),
    privateKey: await importPrivateKeyPem(readFileChecked(values['ca-key'] as string)),
  };
  const names = new Set(['localhost', ...(publicUrl ? [new URL(publicUrl).hostname] : []), host]);
  const dns = [...names].filter((n) => !isIP(n) && n !== '0.0.0.0' && n !== '::');
  const ip = ['127.0.0.1', ...[...names].filter((n) => isIP(n) && n !== '0.0.0.0' && n !== '::' && n !== '127.0.0.1')];
  const pair = await issueServerCertificate(ca, { dns, ip });
  return { cert: pair.certPem, key: pair.keyPem };
}

function readFileChecked(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ClientError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`, 'file');
  }
}

function recordPath(base: string, n: number): string {
  if (n === 1) return base;
  const dot = base.toLowerCase().endsWith('.wav') ? base.length - 4 : base.length;
  return `${base.slice(0, dot)}-${n}${base.slice(dot)}`;
}

async function serve(values: Values): Promise<void> {
  const modes = (['answer', 'echo', 'decline'] as const).filter((m) => values[m]);
  if (modes.length > 1) throw new UsageError('use one of --answer, --echo, --decline');
  if (values.tone && values.play) throw new UsageError('use --tone or --play, not both');
  const kind = modes[0] ?? 'answer';
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535');
  const maxCalls = values.calls ? positiveInt(values, 'calls') : undefined;
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  const publicUrl = values['public-url'] as string | undefined;
  if (publicUrl && !/^https:\/\/[^/]+\/?$/.test(publicUrl)) {
    throw new UsageError('--public-url must be an https origin such as https://pbx.example.com:8443');
  }
  const mode: AnswerMode = {
    kind,
    record: Boolean(values.record),
    ...(values.seconds ? { seconds: positiveInt(values, 'seconds') } : {}),
    ...(kind === 'answer'
      ? {
          source: values.play
            ? toTelephonyPcm(readWavFile(values.play as string))
            : new ToneGenerator({ frequency: values.tone ? Number(values.tone) : 440 }),
        }
      : {}),
  };
  const profile = loadProfile(profilePath(values));
  const caFile = (values.cacert as string | undefined) ?? profile.caFile;
  const tls = await tlsMaterial(values, caFile, host, publicUrl);
  const client = await RiptTrunkClient.fromProfile(profile);
  let service: InboundService | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        await service?.close({ unregister: true });
      } catch (err) {
        line(values, { event: 'error', message: (err as Error).message }, `riptrunk: ${(err as Error).message}`);
        process.exitCode = 1;
      } finally {
        await client.close();
      }
      line(values, { event: 'stopped' }, 'stopped; registration removed');
    })());
  try {
    line(values, { event: 'starting' }, 'starting the inbound server and registering it with your provider...');
    service = await client.serveInbound({
      cert: tls.cert,
      key: tls.key,
      port,
      host,
      ...(publicUrl ? { publicUrl } : {}),
    });
  } catch (err) {
    await client.close();
    throw err;
  }
  const { server, registration, tg } = service;
  line(
    values,
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
    answerCalls(server, mode, {
      onCall: (call) =>
        line(
          values,
          { event: 'call', call: call.uri, from: call.from, to: call.to },
          `call from ${call.from} to ${call.to}`,
        ),
      onEnded: (s: ServedCall) => {
        served++;
        let recorded: string | undefined;
        if (values.record && s.recorded) {
          recorded = recordPath(values.record as string, served);
          writeFileSync(recorded, writeWav(s.recorded, { sampleRate: 8000 }));
        }
        const { recorded: _pcm, stats, ...rest } = s;
        line(
          values,
          { event: 'ended', ...rest, ...stats, ...(recorded ? { recordedFile: recorded } : {}) },
          `call from ${s.from} to ${s.to}: ${s.state} (${s.reason}) after ${(s.durationMs / 1000).toFixed(1)} s, ` +
            `frames ${stats.framesSent} sent / ${stats.framesReceived} received, loss ${(stats.lossRatio * 100).toFixed(2)} %` +
            (recorded ? `, recorded ${recorded}` : ''),
          true,
        );
        if (maxCalls !== undefined && served >= maxCalls) resolve();
      },
    });
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await done;
  await stop();
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
    process.stderr.write(`riptrunk: ${(err as Error).message}\nrun \`riptrunk --help\` for usage\n`);
    process.exitCode = 2;
  } else if (err instanceof ClientError) {
    process.stderr.write(`riptrunk: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`riptrunk: unexpected error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
});
