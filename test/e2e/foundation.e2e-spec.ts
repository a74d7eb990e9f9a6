import { connect } from 'node:http2';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';

describe('control plane foundation', () => {
  let cp: TestControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.close();
  });

  it('serves /readyz over HTTP/2 with TLS, checking Postgres, Redis and migrations', async () => {
    const session = connect(cp.url, { ca: cp.ca });
    try {
      const { status, body, protocol } = await new Promise<{ status: number; body: string; protocol?: string }>(
        (resolve, reject) => {
          const req = session.request({ ':path': '/readyz' });
          let status = 0;
          let body = '';
          req.on('response', (h) => (status = Number(h[':status'])));
          req.setEncoding('utf8');
          req.on('data', (d: string) => (body += d));
          req.on('end', () => resolve({ status, body, protocol: session.alpnProtocol }));
          req.on('error', reject);
        },
      );
      expect(protocol).toBe('h2');
      expect(status).toBe(200);
      // The public port answers yes or no; the checks (they name internal hosts) are on the internal port.
      expect(JSON.parse(body)).toEqual({ status: 'ready' });
      const internal = await fetch(`${cp.internalUrl}/readyz`);
      expect(internal.status).toBe(200);
      expect(await internal.json()).toEqual({
        status: 'ready',
        checks: [
          { name: 'postgres', ok: true },
          { name: 'migrations', ok: true },
          { name: 'redis', ok: true },
        ],
      });
    } finally {
      session.close();
    }
  });

  it('answers /healthz', async () => {
    const res = await cp.client().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('exposes Prometheus metrics with the HTTP request histogram on the internal port only', async () => {
    await cp.client().get('/healthz');
    const outside = await cp.client().get('/metrics');
    expect(outside.status).toBe(404);
    expect(outside.text).not.toContain('riptrunk_');
    expect(new URL(cp.internalUrl).hostname).toBe('127.0.0.1');
    const inside = await fetch(`${cp.internalUrl}/metrics`);
    expect(inside.status).toBe(200);
    expect(inside.headers.get('content-type')).toContain('text/plain');
    const res = { text: await inside.text() };
    expect(res.text).toMatch(
      /riptrunk_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/,
    );
    expect(res.text).toContain('riptrunk_queue_jobs');
  });

  it('echoes a well-formed x-request-id and generates one otherwise', async () => {
    const given = await cp.client().get('/no-such-route', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await cp.client().get('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await cp.client().get('/no-such-route');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ type: 'urn:riptrunk:problem:not-found', status: 404, title: 'Not Found' });
  });
});
