import { createSecureServer } from 'node:http2';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { enforceConnectionLimits, HTTP2_LIMIT_DEFAULTS, http2ServerOptions } from './server-limits.js';

describe('HTTP/2 server limits', () => {
  it('turns the limits into server options and settings', () => {
    expect(http2ServerOptions(HTTP2_LIMIT_DEFAULTS)).toEqual({
      settings: { maxConcurrentStreams: 2000, maxHeaderListSize: 16384 },
      maxSessionMemory: 64,
      maxHeaderListPairs: 128,
      handshakeTimeout: 10_000,
      unknownProtocolTimeout: 10_000,
    });
  });

  it('refuses connections past the cap per source address, and counts closed ones out', async () => {
    const limits = { ...HTTP2_LIMIT_DEFAULTS, maxConnectionsPerAddress: 2, headersTimeoutMs: 5000 };
    const server = createSecureServer(http2ServerOptions(limits));
    enforceConnectionLimits(server, limits);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const sockets: Socket[] = [];
    // Open means still open 200 ms later (the server does not answer plain bytes before its handshake timeout).
    const open = () =>
      new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        sockets.push(s);
        s.on('error', () => undefined);
        s.once('close', () => resolve(false));
        setTimeout(() => resolve(!s.destroyed), 200);
      });
    try {
      expect([await open(), await open(), await open()]).toEqual([true, true, false]);
      sockets[0].destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect(await open()).toBe(true);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
