import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { createPublicKey, createPrivateKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DataSource } from 'typeorm';
import {
  type CallDescription,
  decodeUlaw,
  detectTone,
  encodeUlaw,
  H2Streams,
  readWav,
  RiptCall,
  type RiptTrunkClient,
  saveProfile,
  type TgDescriptionDoc,
  ToneGenerator,
} from '@riptrunk/sdk';
import { tnAuthListOf } from '@riptrunk/ript';
import type { RiptEvent } from '@riptrunk/ript';
import { ConsumerTgEntity } from '../../src/control-plane/trunks/ript/consumer-tg.entity.js';
import { ConsumerTgsService } from '../../src/control-plane/trunks/ript/consumer-tgs.service.js';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { sdkEnterprise } from '../helpers/enterprise.js';
import { TestClient } from '../helpers/http.js';
import { sleep, waitFor } from '../helpers/wait.js';

const exec = promisify(execFile);
const CA = '.data/test/ca.pem';
const CA_KEY = '.data/test/ca-key.pem';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['packages/sdk/dist/cli.js', ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `riptrunk serve` running in the background, its JSON lines collected as they come. */
class Serving {
  readonly lines: Record<string, any>[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number>;
  readonly child: ChildProcess;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['packages/sdk/dist/cli.js', 'serve', '--json', ...args]);
    createInterface({ input: this.child.stdout! }).on('line', (l) => this.lines.push(JSON.parse(l)));
    createInterface({ input: this.child.stderr! }).on('line', (l) => this.stderr.push(l));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code ?? -1)));
  }

  async event(name: string, timeoutMs = 20_000): Promise<Record<string, any>> {
    await waitFor(() => this.lines.some((l) => l.event === name), timeoutMs, `${name} (stderr: ${this.stderr})`);
    return this.lines.find((l) => l.event === name)!;
  }
}

describe('riptrunk serve and riptrunk certs request', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;
  let client: RiptTrunkClient;
  let tg: TgDescriptionDoc;
  let profile: string;
  let dir: string;
  let streams: H2Streams;

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_ALLOW_PRIVATE_TARGETS: 'true', RIPTRUNK_VERIFY_BACKOFF_MS: '50' });
    streams = new H2Streams(CA); // the test CA exists once a control plane has started
    edge = await startEdge(cp);
    const onboarded = await sdkEnterprise(
      cp,
      'Serve Corp',
      { start: '+14085550200', count: 50 },
      { name: 'serve', codecs: ['PCMU'], maxConcurrentCalls: 5, maxCallsPerSecond: 5 },
    );
    ({ client, tg } = onboarded);
    dir = mkdtempSync(join(tmpdir(), 'riptrunk-serve-'));
    profile = join(dir, 'profile.json');
    saveProfile(profile, onboarded.profile);
  });
  afterAll(async () => {
    streams?.close(0);
    await client?.close();
    await edge?.close();
    await cp?.close();
  });

  /** Acts as the provider: the registered token, a handler, and a call to `number`. */
  async function placeCall(uri: string, registrationId: string, number: string) {
    const entity = await cp.app.get(DataSource).getRepository(ConsumerTgEntity).findOneByOrFail({ id: registrationId });
    const token = cp.app.get(ConsumerTgsService).token(entity);
    const http = new TestClient(new URL(uri).origin, cp.ca, token);
    const path = new URL(uri).pathname;
    const handler = await http.put(`${path}/handlers/edge-1`, { advertisement: '1 in: PCMU; 1 out: PCMU;' });
    expect(handler.status).toBe(201);
    const created = await http.post(`${path}/calls`, {
      handler: handler.body.uri,
      destination: number,
      from: '+15550100009',
    });
    expect(created.status).toBe(201);
    await http.close();
    const call = new RiptCall(created.body as CallDescription, streams, async () => token, performance.now());
    const events: RiptEvent[] = [];
    const done = (async () => {
      for await (const e of call.events()) events.push(e);
    })();
    await waitFor(() => events.some((e) => e.type === 'answered'), 5000, 'answered');
    await call.openMedia();
    return { call, events, done };
  }

  it('serves one call with --echo, printing JSON lines, and unregisters on exit', async () => {
    const serving = new Serving(['--calls', '1', '--echo', '--ca-key', CA_KEY, '--cacert', CA, '--profile', profile]);
    const registered = await serving.event('registered');
    expect(registered).toMatchObject({
      uri: expect.stringMatching(/^https:\/\/localhost:\d+\/ript\/v1\/tgs\/in$/),
      state: 'active',
      destinations: ['+14085550200-+14085550249'],
      tg: tg.uri,
    });
    const { call, done } = await placeCall(registered.uri, registered.id, '+14085550201');
    const received: Buffer[] = [];
    call.onFrame((f) => received.push(Buffer.from(f.payload)));
    const tone = new ToneGenerator({ frequency: 440 });
    const sent: Buffer[] = [];
    for (let i = 0; i < 10; i++) {
      sent.push(encodeUlaw(tone.next()));
      call.sendFrame(call.clientDirectives[0], sent[i]);
      await sleep(20);
    }
    await waitFor(() => received.length >= 10, 3000, 'echo');
    expect(Buffer.concat(received).equals(Buffer.concat(sent))).toBe(true);
    await call.end();
    await done;
    call.close();
    expect(await serving.exited).toBe(0);
    expect(serving.lines.find((l) => l.event === 'call')).toMatchObject({ from: '+15550100009', to: '+14085550201' });
    expect(serving.lines.find((l) => l.event === 'ended')).toMatchObject({
      state: 'ended',
      reason: 'normal',
      byProvider: true,
      answered: true,
      framesReceived: 10,
      framesSent: 10,
      framesLost: 0,
    });
    expect(serving.lines.at(-1)).toEqual({ event: 'stopped' });
    const left = await client.consumerTgs(tg.links.consumertgs);
    expect(left.find((r) => r.id === registered.id)).toBeUndefined();
  });

  it('answers with a tone, records the caller, and ends after --seconds', async () => {
    const record = join(dir, 'caller.wav');
    const serving = new Serving([
      '--calls',
      '1',
      '--tone',
      '1000',
      '--record',
      record,
      '--seconds',
      '1',
      '--ca-key',
      CA_KEY,
      '--profile',
      profile, // the profile's CA file is the CA of --ca-key here
    ]);
    const registered = await serving.event('registered');
    const { call, events, done } = await placeCall(registered.uri, registered.id, '+14085550202');
    const heard: Int16Array[] = [];
    call.onFrame((f) => heard.push(decodeUlaw(f.payload)));
    const tone = new ToneGenerator({ frequency: 440 });
    const sending = (async () => {
      while (!call.ended) {
        call.sendFrame(call.clientDirectives[0], encodeUlaw(tone.next()));
        await sleep(20);
      }
    })();
    await done; // the server ends the call
    await sending;
    call.close();
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'normal' });
    expect(heard.length).toBeGreaterThan(30);
    expect(detectTone(Int16Array.from(heard.flatMap((p) => [...p])), 8000, 1000)).toBeGreaterThan(0.9);
    expect(await serving.exited).toBe(0);
    expect(serving.lines.find((l) => l.event === 'ended')).toMatchObject({
      reason: 'normal',
      byProvider: false,
      recordedFile: record,
    });
    const wav = readWav(readFileSync(record));
    expect(wav.pcm.length).toBeGreaterThan(8000 * 0.5);
    expect(detectTone(wav.pcm, 8000, 440)).toBeGreaterThan(0.9);
  });

  it('says what is missing without a certificate (exit 2), and exits cleanly on SIGTERM', async () => {
    const noCert = await cli(['serve', '--profile', profile]);
    expect(noCert.code).toBe(2);
    expect(noCert.stderr).toMatch(/--cert FILE --key FILE/);
    const serving = new Serving(['--decline', '--ca-key', CA_KEY, '--profile', profile]);
    const registered = await serving.event('registered');
    serving.child.kill('SIGTERM');
    expect(await serving.exited).toBe(0);
    expect(serving.lines.at(-1)).toEqual({ event: 'stopped' });
    expect((await client.consumerTgs(tg.links.consumertgs)).find((r) => r.id === registered.id)).toBeUndefined();
  });

  it('requests a STIR certificate for a number: key (0600) and certificate for that number', async () => {
    const prefix = join(dir, 'num');
    const res = await cli(['certs', 'request', '+14085550210', '--out', prefix, '--profile', profile, '--json']);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({
      number: '+14085550210',
      keyFile: `${prefix}.key.pem`,
      certFile: `${prefix}.cert.pem`,
      x5u: expect.stringMatching(/^https:\/\/.*\/ript\/v1\/certs\/crt_\w+\.pem$/),
    });
    expect(out.keyPem).toBeUndefined();
    expect(statSync(`${prefix}.key.pem`).mode & 0o777).toBe(0o600);
    const cert = new x509.X509Certificate(readFileSync(`${prefix}.cert.pem`, 'utf8'));
    expect(tnAuthListOf(cert)).toEqual([{ type: 'one', number: '14085550210' }]);
    const publicFromKey = createPublicKey(createPrivateKey(readFileSync(`${prefix}.key.pem`, 'utf8')));
    expect(Buffer.from(cert.publicKey.rawData).equals(publicFromKey.export({ type: 'spki', format: 'der' }))).toBe(
      true,
    );

    const human = await cli(['certs', 'request', '+14085550211', '--out', join(dir, 'h'), '--profile', profile]);
    expect(human.stdout).toMatch(/certificate crt_\w+ for \+14085550211, valid until/);
    const notOurs = await cli(['certs', 'request', '+14085559999', '--out', join(dir, 'x'), '--profile', profile]);
    expect(notOurs.code).toBe(1);
    expect(notOurs.stderr).toMatch(/^riptrunk: .*403/m);
    expect((await cli(['certs', 'request', '4085550210', '--profile', profile])).code).toBe(2);
  });
});
