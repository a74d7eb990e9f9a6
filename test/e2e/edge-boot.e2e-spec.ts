import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';

describe('edge process', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;

  beforeAll(async () => {
    cp = await startControlPlane();
    edge = await startEdge(cp);
  });
  afterAll(async () => {
    await edge?.close();
    await cp?.close();
  });

  it('serves /healthz and /readyz (Redis, configuration loaded) over TLS', async () => {
    expect((await edge.client().get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await edge.client().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
    const details = await fetch(`${edge.internalUrl}/readyz`);
    expect(((await details.json()) as { checks: unknown }).checks).toEqual([
      { name: 'redis', ok: true },
      { name: 'configuration', ok: true },
    ]);
  });

  it('keeps /metrics (trunk ids, counters) off the public port', async () => {
    const outside = await edge.client().get('/metrics');
    expect(outside.status).toBe(404);
    expect(outside.text).not.toContain('riptrunk_');
    expect(new URL(edge.internalUrl).hostname).toBe('127.0.0.1');
    const inside = await fetch(`${edge.internalUrl}/metrics`);
    expect(inside.status).toBe(200);
    expect(await inside.text()).toContain('riptrunk_edge_');
  });

  it('answers errors as problem+json like the control plane', async () => {
    const res = await edge.client().get('/ript/v1/unknown');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('needs a bearer token for RIPT resources', async () => {
    const res = await edge.client().get('/ript/v1/tgs/trk_00000000000000000000');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });
});
