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
    expect(ready.body.checks).toEqual([
      { name: 'redis', ok: true },
      { name: 'configuration', ok: true },
    ]);
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
