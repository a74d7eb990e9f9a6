#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { fetch as undiciFetch } from 'undici';
import { ClientError, explainNetworkError, providerAgent } from './http.js';
import { readWav, toTelephonyPcm, ToneGenerator, WavFormatError, writeWav } from './audio/index.js';
import { placeAndPlay } from './dial.js';
import { loadProfile, saveProfile } from './profile.js';
import { RiptTrunkClient } from './riptrunk-client.js';

const USAGE = `riptrunk: the enterprise side of a RIPT trunk, and carrier admin helpers

Usage:
  riptrunk onboard <provider-url> <onboarding-code> [--profile FILE] [--cacert FILE]
  riptrunk tgs [--profile FILE]
  riptrunk call <number> [--from E164] [--tone HZ | --play FILE.wav] [--record OUT.wav] [--seconds N]
  riptrunk admin tenant create --name NAME [--external-ref REF]
  riptrunk admin numbers add --tenant ID --start E164 (--end E164 | --count N)
  riptrunk admin trunk create --tenant ID --name NAME --max-calls N --cps N [--codecs opus,PCMU]
  riptrunk admin code create --tenant ID

Options:
  --profile FILE   enterprise profile (default ~/.riptrunk/profile.json, mode 0600)
  --cacert FILE    trust this CA for the provider (e.g. .data/ca.pem of a local run)
  --json           machine-readable output
  -h, --help       this help
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
