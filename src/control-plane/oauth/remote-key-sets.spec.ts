import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, jwtVerify, type CryptoKey } from 'jose';
import { loadTlsMaterial } from '../../common/tls/tls-material.js';
import { RemoteKeySetError, RemoteKeySets } from './remote-key-sets.js';

describe('RemoteKeySets', () => {
  let server: Server;
  let base: string;
  let ca: string;
  const hits: string[] = [];
  let jwks: string;
  let privateKey: CryptoKey;
  const sets: RemoteKeySets[] = [];

  beforeAll(async () => {
    const tls = await loadTlsMaterial({ dataDir: '.data/test' });
    ca = tls.ca!;
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] });
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      hits.push(req.url!);
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/json' });
        // No content-length: the cap must hold while streaming.
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 1024 && res.write(chunk)) sent++;
          if (sent < 1024) res.once('drain', pump);
          else res.end('{}');
        };
        pump();
        return;
      }
      if (req.url === '/broken') return void res.writeHead(500).end('internal detail: db at 10.0.0.5');
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all(sets.map((s) => s.close()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function keySets(options: Partial<ConstructorParameters<typeof RemoteKeySets>[0]> = {}) {
    const set = new RemoteKeySets({ allowPrivate: true, ca: [ca], ...options });
    sets.push(set);
    return set;
  }

  it('fetches a key set once and verifies with it', async () => {
    const set = keySets();
    hits.length = 0;
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    await expect(jwtVerify(token, await set.get(`${base}/jwks`))).resolves.toBeDefined();
    await set.get(`${base}/jwks`);
    expect(hits).toEqual(['/jwks']);
  });

  it('refuses private addresses at fetch time, IP literals included, without connecting', async () => {
    const set = keySets({ allowPrivate: false });
    hits.length = 0;
    for (const uri of [`${base}/jwks`, 'https://[::ffff:127.0.0.1]/', 'https://[64:ff9b::a9fe:a9fe]/']) {
      await expect(set.get(uri)).rejects.toThrow(RemoteKeySetError);
    }
    await expect(set.get(`https://localhost:${new URL(base).port}/jwks`)).rejects.toThrow(RemoteKeySetError);
    expect(hits).toEqual([]);
  });

  it('caps the body size', async () => {
    const set = keySets({ maxBytes: 64 * 1024 });
    await expect(set.get(`${base}/big`)).rejects.toThrow(/exceeds 65536 bytes/);
  });

  it('remembers a failure for the cooldown instead of fetching on every request', async () => {
    const set = keySets();
    hits.length = 0;
    await expect(set.get(`${base}/broken`)).rejects.toThrow('jwks_uri answered 500');
    await expect(set.get(`${base}/broken`)).rejects.toThrow(RemoteKeySetError);
    expect(hits).toEqual(['/broken']);
  });

  it('keeps at most maxEntries key sets', async () => {
    const set = keySets({ maxEntries: 2 });
    for (const path of ['/a', '/b', '/c', '/d']) await set.get(`${base}${path}`);
    expect(set.size).toBe(2);
  });
});
