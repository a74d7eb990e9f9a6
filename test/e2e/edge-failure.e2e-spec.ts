import { spawn, type ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import type { RiptTrunkClient, TgDescriptionDoc } from '@riptrunk/sdk';
import { REDIS } from '../../src/common/redis/redis.module.js';
import { callRecordKey, edgeCallsKey } from '../../src/contracts/call-record.js';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { sdkEnterprise } from '../helpers/enterprise.js';
import { eventually } from '../helpers/wait.js';

const EDGE_ID = 'edge-doomed';

/** The compiled edge in its own process (so that it can die for real), on the control plane's edge port. */
async function spawnEdge(cp: TestControlPlane): Promise<ChildProcess> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(cp.config.env)) if (v !== undefined && v !== null) env[k] = String(v);
  const child = spawn(process.execPath, ['dist/src/edge/main.js'], {
    env: { ...process.env, ...env, RIPTRUNK_EDGE_ID: EDGE_ID, HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  // up once the control plane lists it (its first heartbeat), unless it exits first
  const listed = async () => {
    if (child.exitCode !== null) return 'exited';
    const edges = await cp.admin.get('/v1/edges').catch(() => ({ body: { items: [] } }));
    return ((edges.body.items ?? []) as { id: string }[]).some((e) => e.id === EDGE_ID) ? 'up' : 'starting';
  };
  if ((await eventually(listed, (state) => state !== 'starting', 20_000, 100)) !== 'up') {
    child.kill('SIGKILL');
    throw new Error(`edge did not start: ${stderr}`);
  }
  return child;
}

describe('an edge that dies: its calls are ended by the control plane (heartbeat)', () => {
  let cp: TestControlPlane;
  let edge: ChildProcess | undefined;
  let client: RiptTrunkClient;
  let tenantId: string;
  let tg: TgDescriptionDoc;

  beforeAll(async () => {
    cp = await startControlPlane({ RIPTRUNK_EDGE_REAP_MS: '300' });
    edge = await spawnEdge(cp);
    ({ tenantId, client, tg } = await sdkEnterprise(
      cp,
      'Acme',
      { start: '+14085550100', count: 100 },
      { name: 'acme', maxConcurrentCalls: 5, maxCallsPerSecond: 5 },
    ));
  }, 60_000);
  afterAll(async () => {
    edge?.kill('SIGKILL');
    await client?.close();
    await cp?.close();
  });

  it('marks the live call ended with edge-failure, frees its slot and stores its CDR', async () => {
    const handler = (await client.registerHandler(tg, 'pbx-1', '1 in: PCMU; 1 out: PCMU;')).uri;
    const call = await client.placeCall(tg, { handler, destination: '+15550100001', from: '+14085550100' });
    const callId = call.uri.split('/').pop()!;
    const redis = cp.app.get<Redis>(REDIS);
    const prefix = cp.config.env.RIPTRUNK_REDIS_PREFIX;
    expect(await redis.sismember(edgeCallsKey(prefix, EDGE_ID), callId)).toBe(1);

    edge!.kill('SIGKILL');
    await new Promise((r) => edge!.once('exit', r));
    edge = undefined;
    call.close();

    // the heartbeat entry expires (10 s), then the reaper ends the call
    const cdrs = await eventually(
      () => cp.admin.get(`/v1/cdrs?tenantId=${tenantId}`),
      (res) => (res.body.items as unknown[]).length > 0,
      25_000,
    );
    expect(cdrs.body.items).toEqual([
      expect.objectContaining({ id: callId, edgeId: EDGE_ID, reason: 'edge-failure', direction: 'outbound' }),
    ]);
    const record = JSON.parse((await redis.get(callRecordKey(prefix, callId)))!);
    expect(record).toMatchObject({ state: 'failed', reason: 'edge-failure', endedAt: expect.any(String) });
    expect(await redis.exists(edgeCallsKey(prefix, EDGE_ID))).toBe(0);
    const trunkId = record.trunkId as string;
    expect(await redis.zscore(`${prefix}:limits:{${trunkId}}:calls`, callId)).toBeNull();
  }, 60_000);
});
