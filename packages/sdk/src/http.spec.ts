import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { createCa, issueServerCertificate } from '@riptrunk/ript';
import { providerAgent } from './http.js';

/** A real HTTP/2 TLS server with a certificate of a fresh CA, and that CA's file. */
describe('providerAgent', () => {
  let dir: string;
  let caFile: string;
  let server: Http2SecureServer;
  let origin: string;
  const sessions = new Set<ServerHttp2Session>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'riptrunk-http-spec-'));
    const ca = await createCa('http spec CA');
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    const leaf = await issueServerCertificate(
      { cert: ca.cert, privateKey: ca.keys.privateKey },
      { dns: ['localhost'], ip: ['127.0.0.1'] },
    );
    server = createSecureServer({ cert: leaf.certPem, key: leaf.keyPem, allowHTTP1: false });
    server.on('session', (s) => sessions.add(s));
    server.on('stream', (stream) => {
      // answer after a moment, so that concurrent POSTs overlap and undici opens a connection for each
      stream.resume();
      stream.on('end', () =>
        setTimeout(() => {
          stream.respond({ ':status': 200, 'content-type': 'text/plain' });
          stream.end('ok');
        }, 50),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("trusts the provider's CA file on every connection it opens (one shared secure context)", async () => {
    const agent = providerAgent(caFile);
    try {
      const before = sessions.size;
      const answers = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const res = await request(`${origin}/calls`, { method: 'POST', body: '{}', dispatcher: agent });
          return `${res.statusCode} ${await res.body.text()}`;
        }),
      );
      expect(answers).toEqual(Array.from({ length: 8 }, () => '200 ok'));
      // undici runs one non-idempotent request per connection: the POSTs took several TLS connections
      expect(sessions.size - before).toBeGreaterThan(1);
    } finally {
      await agent.close();
    }
  });

  it('still verifies: without the CA file the same server is refused', async () => {
    const agent = providerAgent();
    try {
      await expect(request(`${origin}/calls`, { method: 'POST', body: '{}', dispatcher: agent })).rejects.toThrow(
        /certificate|self.signed|UNABLE_TO_VERIFY/i,
      );
    } finally {
      await agent.close();
    }
  });
});
