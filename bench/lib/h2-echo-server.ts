/**
 * The baseline of the calls scenario, run as its own process: a bare node:http2 server over TLS (the bench's
 * certificate, the same TLS settings as riptrunk's servers) that relays the request body of `PUT /echo/<id>/media`
 * to the response body of `GET /echo/<id>/media` byte for byte. No framework, no authentication, no frame parsing,
 * acks or statistics: the transport's own cost. Configured by the environment:
 *   BENCH_BASELINE_PORT      port on 127.0.0.1
 *   BENCH_BASELINE_DATA_DIR  the directory holding server.pem and server-key.pem
 */
import { readFileSync } from 'node:fs';
import { createSecureServer, type ServerHttp2Stream } from 'node:http2';
import { join } from 'node:path';

interface Pair {
  get?: ServerHttp2Stream;
  put?: ServerHttp2Stream;
}

const MEDIA_PATH = /^\/echo\/([^/]+)\/media$/;
const ignore = (): void => undefined;

function main(): void {
  const port = Number(process.env.BENCH_BASELINE_PORT);
  const dataDir = process.env.BENCH_BASELINE_DATA_DIR ?? '';
  const pairs = new Map<string, Pair>();
  const server = createSecureServer({
    key: readFileSync(join(dataDir, 'server-key.pem'), 'utf8'),
    cert: readFileSync(join(dataDir, 'server.pem'), 'utf8'),
    // HTTP/2 only: a 'request' listener (for HTTP/1.1) would turn on the compatibility layer for every stream.
    allowHTTP1: false,
    minVersion: 'TLSv1.2',
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', ignore);
    const path = String(headers[':path']);
    const method = headers[':method'];
    if (path === '/readyz') {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end('{"status":"ok"}');
      return;
    }
    const id = MEDIA_PATH.exec(path)?.[1];
    if (!id || (method !== 'GET' && method !== 'PUT')) {
      stream.respond({ ':status': 404 });
      stream.end();
      return;
    }
    let pair = pairs.get(id);
    if (!pair) pairs.set(id, (pair = {}));
    const p = pair;
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
    if (method === 'GET') {
      p.get = stream;
    } else {
      p.put = stream;
      stream.on('data', (chunk: Buffer) => {
        const get = p.get;
        if (get && !get.closed) get.write(chunk);
      });
      stream.on('end', () => stream.end());
    }
    stream.once('close', () => {
      if (p.get === stream) p.get = undefined;
      if (p.put === stream) p.put = undefined;
      if (!p.get && !p.put) pairs.delete(id);
    });
  });
  server.listen(port, '127.0.0.1');
  const close = () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

main();
