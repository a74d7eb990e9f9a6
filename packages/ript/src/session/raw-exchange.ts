import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';

/** node:http2 compatibility objects, or HTTP/1.1 ones (our servers allow both). Framework-free. */
export type RawRequest = IncomingMessage | Http2ServerRequest;
export type RawResponse = ServerResponse | Http2ServerResponse;

/** Stops the request body of an exchange whose response is complete (see endExchange). */
export function stopRequestBody(req: RawRequest, res: RawResponse): void {
  if (req.readableEnded || req.destroyed) return;
  const stream = (req as Http2ServerRequest).stream;
  if (stream) {
    // Node flushes what the response queued, then sends RST_STREAM(NO_ERROR)
    if (!stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_NO_ERROR);
  } else if (res.writableFinished) {
    req.socket?.destroy();
  } else {
    res.once('finish', () => req.socket?.destroy());
  }
}

/**
 * Ends the response (if not yet, with 204) and stops the request body: on HTTP/2 the stream is reset with NO_ERROR
 * once the response is flushed, which tells the client to stop sending (RFC 9113 §8.1); on HTTP/1.1 the connection
 * is closed. Without this an HTTP/2 stream whose client keeps its side open would never close.
 */
export function endExchange(req: RawRequest, res: RawResponse): void {
  if (!res.writableEnded) {
    if (!res.headersSent) (res as ServerResponse).writeHead(204, { 'cache-control': 'no-store' });
    res.end();
  }
  stopRequestBody(req, res);
}
