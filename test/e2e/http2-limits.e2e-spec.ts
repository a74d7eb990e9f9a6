import { readFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { InboundServer } from '@riptrunk/sdk';
import { startControlPlane, startEdge, type TestControlPlane, type TestEdge } from '../helpers/control-plane.js';
import { localhostCertificate } from '../helpers/tg-server.js';

const SHORT = {
  RIPTRUNK_HEADERS_TIMEOUT_MS: '600',
  RIPTRUNK_REQUEST_TIMEOUT_MS: '800',
  RIPTRUNK_MAX_CONNECTIONS_PER_ADDRESS: '6',
};

/** The SETTINGS a server advertises to a new HTTP/2 client. */
function advertisedSettings(port: number, ca: string) {
  return new Promise<{ maxConcurrentStreams?: number; maxHeaderListSize?: number }>((resolve, reject) => {
    const session = http2Connect(`https://localhost:${port}`, { ca });
    session.on('error', reject);
    session.once('remoteSettings', (settings) => {
      session.close();
      resolve(settings);
    });
  });
}

/** A TLS connection that never completes its request: it sends `bytes` one at a time, `everyMs` apart. */
function slowloris(port: number, ca: string, alpn: 'h2' | 'http/1.1', bytes: Buffer, everyMs = 50) {
  return new Promise<{ closedAfterMs: number; sent: number }>((resolve) => {
    const started = Date.now();
    let sent = 0;
    const socket: TLSSocket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca,
      ALPNProtocols: [alpn],
    });
    const timer = setInterval(() => {
      if (sent < bytes.length && socket.writable) socket.write(bytes.subarray(sent, ++sent));
    }, everyMs);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, sent });
    });
    // Give up (and report "still open") well after every deadline under test.
    setTimeout(() => socket.destroy(), 8000).unref();
  });
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
// A HEADERS frame (stream 1, END_HEADERS) announcing 200 bytes of header block: it never completes.
const HEADERS_START = Buffer.from([0, 0, 200, 1, 4, 0, 0, 0, 1]);
const H2_SLOW = Buffer.concat([H2_PREFACE, EMPTY_SETTINGS, HEADERS_START, Buffer.alloc(200, 0x82)]);
const H1_SLOW = Buffer.from(`GET /healthz HTTP/1.1\r\nhost: localhost\r\n${'x-pad: y\r\n'.repeat(40)}\r\n`);

function expectLimits(port: () => number, ca: () => string) {
  it('advertises 2000 concurrent streams and a 16 KiB header list', async () => {
    expect(await advertisedSettings(port(), ca())).toMatchObject({
      maxConcurrentStreams: 2000,
      maxHeaderListSize: 16 * 1024,
    });
  });

  it.each([
    ['h2', H2_SLOW],
    ['http/1.1', H1_SLOW],
  ] as const)('cuts off a slowloris client over %s', async (alpn, bytes) => {
    const { closedAfterMs, sent } = await slowloris(port(), ca(), alpn, bytes);
    expect(sent).toBeLessThan(bytes.length); // it was still sending its headers
    expect(closedAfterMs).toBeLessThan(3000);
  });
}

describe('HTTP/2 limits of the control plane and the edge', () => {
  let cp: TestControlPlane;
  let edge: TestEdge;

  beforeAll(async () => {
    cp = await startControlPlane(SHORT);
    edge = await startEdge(cp, SHORT);
  });
  afterAll(async () => {
    await edge?.close();
    await cp?.close();
  });

  describe('control plane', () => {
    expectLimits(
      () => Number(new URL(cp.url).port),
      () => cp.ca,
    );

    it('caps connections per source address', async () => {
      const sockets: TLSSocket[] = [];
      const outcomes = await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            new Promise<'open' | 'refused'>((resolve) => {
              const s = tlsConnect({
                host: '127.0.0.1',
                port: Number(new URL(cp.url).port),
                servername: 'localhost',
                ca: cp.ca,
                ALPNProtocols: ['h2'],
              });
              sockets.push(s);
              s.once('secureConnect', () => resolve('open'));
              s.once('error', () => resolve('refused'));
              s.once('close', () => resolve('refused'));
            }),
        ),
      );
      sockets.forEach((s) => s.destroy());
      expect(outcomes.filter((o) => o === 'open')).toHaveLength(6);
      // Once they are gone, the address may connect again.
      await new Promise((r) => setTimeout(r, 100));
      expect((await cp.client().get('/healthz')).status).toBe(200);
    });

    it('cancels a non-streaming request whose body does not arrive in time', async () => {
      const session = http2Connect(cp.url, { ca: cp.ca });
      session.on('error', () => undefined);
      const started = Date.now();
      const outcome = await new Promise<string>((resolve) => {
        const req = session.request({
          ':method': 'POST',
          ':path': '/oauth/token',
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': '100',
        });
        req.write('grant_type=client_credentials'); // and never the rest
        req.on('response', (h) => resolve(`status ${h[':status']}`));
        req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code}`));
        req.on('close', () => resolve(`closed ${req.rstCode}`));
      });
      session.destroy();
      expect(outcome).toMatch(/NGHTTP2_CANCEL|closed 8/);
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });

  describe('edge', () => {
    expectLimits(
      () => Number(new URL(edge.url).port),
      () => cp.ca,
    );
  });
});

describe('HTTP/2 limits of the SDK inbound server', () => {
  let server: InboundServer;
  let ca: string;

  beforeAll(async () => {
    const cert = await localhostCertificate(true);
    ca = readFileSync('.data/test/ca.pem', 'utf8');
    server = await InboundServer.listen({
      cert: cert.certPem,
      key: cert.keyPem,
      token: 'a-token-of-at-least-16-chars',
      destinations: ['+1*'],
      http2Limits: { headersTimeoutMs: 600 },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  expectLimits(
    () => server.port,
    () => ca,
  );
});
