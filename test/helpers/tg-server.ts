import { readFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { createCa, importPrivateKeyPem, issueServerCertificate, type PemPair } from '@riptrunk/ript';

/** A certificate for localhost from the test CA (trusted by the control plane in tests) or from a stranger's CA. */
export async function localhostCertificate(trusted: boolean, dataDir = '.data/test'): Promise<PemPair> {
  const ca = trusted
    ? {
        cert: new x509.X509Certificate(readFileSync(join(dataDir, 'ca.pem'), 'utf8')),
        privateKey: await importPrivateKeyPem(readFileSync(join(dataDir, 'ca-key.pem'), 'utf8')),
      }
    : await createCa('untrusted test CA').then((c) => ({ cert: c.cert, privateKey: c.keys.privateKey }));
  return issueServerCertificate(ca, { dns: ['localhost'], ip: ['127.0.0.1'] });
}

export interface TestTgServer {
  url: string;
  server: Http2SecureServer;
  requests: { path: string; authorization?: string }[];
  close(): Promise<void>;
}

/** An HTTPS (HTTP/2 + HTTP/1.1) server answering every GET with `respond`; records what it was asked. */
export async function startTgServer(
  cert: PemPair,
  respond: (path: string, authorization?: string) => { status: number; body: string; type?: string },
): Promise<TestTgServer> {
  const requests: TestTgServer['requests'] = [];
  const server = createSecureServer({ cert: cert.certPem, key: cert.keyPem, allowHTTP1: true }, (req, res) => {
    const authorization = req.headers.authorization;
    requests.push({ path: req.url ?? '', authorization });
    const answer = respond(req.url ?? '', authorization);
    res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' });
    res.end(answer.body);
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    server,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}
