/**
 * Media frames of profile §7 (all integers big-endian):
 *   u16 length (bytes after this field) | u8 kind | u8 source | u8 sink | u8 codec | u64 seq | u64 ts | payload
 * Ack payload: u64 received-at ms | u32 frames received.
 * u64 fields are handled as JS numbers (hi * 2^32 + lo) and must be safe integers (< 2^53);
 * a frame carrying a larger value is rejected with code 'unsafe-integer'.
 */

export const FrameKind = { Media: 0, Ack: 1 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Size of the u16 length field. */
export const LENGTH_FIELD_SIZE = 2;
/** Whole header, length field included. */
export const FRAME_HEADER_SIZE = 22;
/** Smallest legal value of the length field (empty payload). */
export const MIN_FRAME_LENGTH = FRAME_HEADER_SIZE - LENGTH_FIELD_SIZE;
export const ACK_PAYLOAD_SIZE = 12;
export const ACK_FRAME_SIZE = FRAME_HEADER_SIZE + ACK_PAYLOAD_SIZE;
/** Largest payload the u16 length field can describe. */
export const MAX_PAYLOAD_SIZE = 0xffff - MIN_FRAME_LENGTH;
/** Default limit of a whole frame (length field included) for FrameParser. */
export const DEFAULT_MAX_FRAME_SIZE = 1500;

const TWO_32 = 4294967296;
/** Largest high word of a u64 that still gives a safe integer. */
const MAX_SAFE_HIGH_WORD = 0x1fffff;

export interface FrameHeader {
  source: number;
  sink: number;
  codec: number;
  seq: number;
  /** Milliseconds since the Unix epoch of the first sample. */
  ts: number;
}

export interface MediaFrame extends FrameHeader {
  kind: typeof FrameKind.Media;
  /** A view into the input buffer (no copy). */
  payload: Buffer;
}

export interface AckFrame extends FrameHeader {
  kind: typeof FrameKind.Ack;
  payload: Buffer;
  receivedAt: number;
  framesReceived: number;
}

export type Frame = MediaFrame | AckFrame;

export interface MediaFrameFields extends FrameHeader {
  payload: Uint8Array;
}

export interface AckFrameFields extends FrameHeader {
  receivedAt: number;
  /** u32; callers wrap it modulo 2^32 if needed. */
  framesReceived: number;
}

export type FrameErrorCode =
  | 'oversized' // length field says more than the parser's max frame size
  | 'too-short' // length field below the fixed header
  | 'bad-kind' // kind is neither 0 nor 1
  | 'bad-ack' // ack payload is not exactly 12 bytes
  | 'unsafe-integer' // a u64 field is >= 2^53
  | 'bad-length' // decodeFrame: buffer size does not match the length field
  | 'truncated'; // stream ended inside a frame

export class FrameError extends Error {
  readonly code: FrameErrorCode;
  /** Byte offset in the stream (FrameParser) or buffer (decodeFrame) where the frame starts. */
  readonly offset: number;
  constructor(code: FrameErrorCode, message: string, offset = 0) {
    super(`${message} (frame at byte ${offset})`);
    this.name = 'FrameError';
    this.code = code;
    this.offset = offset;
  }
}

function checkU8(name: string, v: number): void {
  if ((v & 0xff) !== v) throw new RangeError(`${name} must be an integer 0..255, got ${v}`);
}

function checkU64(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a safe non-negative integer, got ${v}`);
}

function writeU64(target: Buffer, offset: number, v: number): void {
  target.writeUInt32BE(Math.floor(v / TWO_32), offset);
  target.writeUInt32BE(v >>> 0, offset + 4);
}

/** Reads a u64 as a number, or -1 if it is not a safe integer. */
function readU64(buf: Buffer, offset: number): number {
  const hi = buf.readUInt32BE(offset);
  if (hi > MAX_SAFE_HIGH_WORD) return -1;
  return hi * TWO_32 + buf.readUInt32BE(offset + 4);
}

/**
 * Writes a frame header for a payload of `payloadLength` bytes (the payload itself is not written,
 * so it can be sent separately without a copy). Returns the offset where the payload goes.
 */
export function writeFrameHeader(
  target: Buffer,
  offset: number,
  kind: FrameKind,
  header: FrameHeader,
  payloadLength: number,
): number {
  checkU8('source', header.source);
  checkU8('sink', header.sink);
  checkU8('codec', header.codec);
  checkU64('seq', header.seq);
  checkU64('ts', header.ts);
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || payloadLength > MAX_PAYLOAD_SIZE) {
    throw new RangeError(`payload length must be 0..${MAX_PAYLOAD_SIZE}, got ${payloadLength}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + FRAME_HEADER_SIZE > target.length) {
    throw new RangeError(`no room for a frame header at offset ${offset} of a ${target.length}-byte buffer`);
  }
  target.writeUInt16BE(MIN_FRAME_LENGTH + payloadLength, offset);
  target[offset + 2] = kind;
  target[offset + 3] = header.source;
  target[offset + 4] = header.sink;
  target[offset + 5] = header.codec;
  writeU64(target, offset + 6, header.seq);
  writeU64(target, offset + 14, header.ts);
  return offset + FRAME_HEADER_SIZE;
}

/** Writes a whole media frame into `target` at `offset`; returns the offset just after it. */
export function writeMediaFrame(target: Buffer, offset: number, frame: MediaFrameFields): number {
  const payloadAt = offset + FRAME_HEADER_SIZE;
  if (payloadAt + frame.payload.length > target.length) {
    throw new RangeError(`no room for a ${FRAME_HEADER_SIZE + frame.payload.length}-byte frame at offset ${offset}`);
  }
  writeFrameHeader(target, offset, FrameKind.Media, frame, frame.payload.length);
  target.set(frame.payload, payloadAt);
  return payloadAt + frame.payload.length;
}

/** Writes an ack frame into `target` at `offset`; returns the offset just after it. */
export function writeAckFrame(target: Buffer, offset: number, ack: AckFrameFields): number {
  checkU64('receivedAt', ack.receivedAt);
  if (!Number.isInteger(ack.framesReceived) || ack.framesReceived < 0 || ack.framesReceived > 0xffffffff) {
    throw new RangeError(`framesReceived must be a u32, got ${ack.framesReceived}`);
  }
  if (offset + ACK_FRAME_SIZE > target.length) {
    throw new RangeError(`no room for an ack frame at offset ${offset}`);
  }
  const at = writeFrameHeader(target, offset, FrameKind.Ack, ack, ACK_PAYLOAD_SIZE);
  writeU64(target, at, ack.receivedAt);
  target.writeUInt32BE(ack.framesReceived, at + 8);
  return at + ACK_PAYLOAD_SIZE;
}

/** Encodes a media frame into a new buffer (small sizes come from Node's buffer pool). */
export function encodeMediaFrame(frame: MediaFrameFields): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + frame.payload.length);
  writeMediaFrame(buf, 0, frame);
  return buf;
}

export function encodeAckFrame(ack: AckFrameFields): Buffer {
  const buf = Buffer.allocUnsafe(ACK_FRAME_SIZE);
  writeAckFrame(buf, 0, ack);
  return buf;
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Decodes a frame whose bytes (length field included) are exactly `buf`; never throws. */
function decodeExact(buf: Buffer, offset: number): Frame | FrameError {
  const kind = buf[2];
  const seq = readU64(buf, 6);
  const ts = readU64(buf, 14);
  if (seq < 0 || ts < 0) return new FrameError('unsafe-integer', `${seq < 0 ? 'seq' : 'ts'} is 2^53 or more`, offset);
  const payload = buf.subarray(FRAME_HEADER_SIZE);
  if (kind === FrameKind.Media) {
    return { kind, source: buf[3], sink: buf[4], codec: buf[5], seq, ts, payload };
  }
  if (kind === FrameKind.Ack) {
    if (payload.length !== ACK_PAYLOAD_SIZE) {
      return new FrameError('bad-ack', `ack payload is ${payload.length} bytes, expected ${ACK_PAYLOAD_SIZE}`, offset);
    }
    const receivedAt = readU64(buf, FRAME_HEADER_SIZE);
    if (receivedAt < 0) return new FrameError('unsafe-integer', 'receivedAt is 2^53 or more', offset);
    return {
      kind,
      source: buf[3],
      sink: buf[4],
      codec: buf[5],
      seq,
      ts,
      payload,
      receivedAt,
      framesReceived: buf.readUInt32BE(FRAME_HEADER_SIZE + 8),
    };
  }
  return new FrameError('bad-kind', `unknown frame kind ${kind}`, offset);
}

/**
 * Decodes one complete frame: `buf` must hold exactly the frame (length field included).
 * The payload is a view into `buf`. Throws FrameError.
 */
export function decodeFrame(input: Uint8Array): Frame {
  const buf = asBuffer(input);
  if (buf.length < FRAME_HEADER_SIZE) {
    throw new FrameError('bad-length', `${buf.length} bytes is shorter than a frame header`);
  }
  const length = buf.readUInt16BE(0);
  if (length < MIN_FRAME_LENGTH)
    throw new FrameError('too-short', `length field ${length} is below ${MIN_FRAME_LENGTH}`);
  if (LENGTH_FIELD_SIZE + length !== buf.length) {
    throw new FrameError(
      'bad-length',
      `length field says ${LENGTH_FIELD_SIZE + length} bytes, buffer has ${buf.length}`,
    );
  }
  const result = decodeExact(buf, 0);
  if (result instanceof FrameError) throw result;
  return result;
}

export interface FrameParserOptions {
  /** Largest whole frame accepted, length field included (default 1500, at most 65537). */
  maxFrameSize?: number;
}

/**
 * Streaming frame parser. push() chunks of any size, then call next() until it returns null:
 *
 *   parser.push(chunk);
 *   for (let f = parser.next(); f !== null; f = parser.next()) {
 *     if (f instanceof FrameError) { ... } else { ... }
 *   }
 *
 * Errors are returned, not thrown, and parsing goes on after them:
 * - a length field above maxFrameSize ('oversized') or below the header ('too-short') is reported
 *   as soon as the length field is read; the frame's bytes are then skipped as they arrive and
 *   parsing resumes at the next frame. This keeps sync with a peer that sent a frame that is too
 *   big; a corrupted length field cannot be recovered from (there is no sync marker), so callers
 *   should usually close the stream on 'too-short' or repeated errors.
 * - a complete frame with a bad kind, bad ack size or u64 >= 2^53 is reported and dropped.
 * Payloads of frames that lie within one pushed chunk are views into that chunk (do not reuse the
 * chunk's memory while frames are in use); a frame split across chunks is copied into a new buffer.
 * At the end of the stream, end() reports a truncated frame.
 */
export class FrameParser {
  readonly maxFrameSize: number;
  private chunks: Buffer[] = [];
  /** Index of the first live chunk in `chunks`. */
  private first = 0;
  /** Read offset in chunks[first]. */
  private head = 0;
  private buffered = 0;
  private skipRemaining = 0;
  /** Stream offset of the next unread byte. */
  private consumed = 0;
  private _framesParsed = 0;
  private _errors = 0;

  constructor(options: FrameParserOptions = {}) {
    const max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    if (!Number.isInteger(max) || max < FRAME_HEADER_SIZE || max > LENGTH_FIELD_SIZE + 0xffff) {
      throw new RangeError(`maxFrameSize must be ${FRAME_HEADER_SIZE}..${LENGTH_FIELD_SIZE + 0xffff}, got ${max}`);
    }
    this.maxFrameSize = max;
  }

  /** Bytes received but not yet returned as frames or skipped. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  get framesParsed(): number {
    return this._framesParsed;
  }

  get errors(): number {
    return this._errors;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(asBuffer(chunk));
    this.buffered += chunk.length;
  }

  /** The next complete frame, an error, or null when more bytes are needed. */
  next(): Frame | FrameError | null {
    if (this.skipRemaining > 0) {
      this.skipRemaining -= this.discard(this.skipRemaining);
      if (this.skipRemaining > 0) return null;
    }
    if (this.buffered < LENGTH_FIELD_SIZE) return null;
    const start = this.consumed;
    const total = LENGTH_FIELD_SIZE + this.peekLength();
    if (total > this.maxFrameSize || total < FRAME_HEADER_SIZE) {
      this._errors++;
      this.skipRemaining = total - this.discard(total);
      return total > this.maxFrameSize
        ? new FrameError('oversized', `frame of ${total} bytes exceeds the limit of ${this.maxFrameSize}`, start)
        : new FrameError('too-short', `length field ${total - LENGTH_FIELD_SIZE} is below ${MIN_FRAME_LENGTH}`, start);
    }
    if (this.buffered < total) return null;
    const result = decodeExact(this.take(total), start);
    if (result instanceof FrameError) this._errors++;
    else this._framesParsed++;
    return result;
  }

  /** push() then drain: yields every frame or error now available. */
  *feed(chunk: Uint8Array): Generator<Frame | FrameError, void, undefined> {
    this.push(chunk);
    for (let f = this.next(); f !== null; f = this.next()) yield f;
  }

  /**
   * Marks the end of the stream. Call once next() has returned null. Returns a 'truncated' error
   * if an incomplete frame remains (its bytes are dropped), else null.
   */
  end(): FrameError | null {
    const completeFrameBuffered =
      this.skipRemaining === 0 &&
      this.buffered >= LENGTH_FIELD_SIZE &&
      this.buffered >= LENGTH_FIELD_SIZE + this.peekLength();
    if (completeFrameBuffered) {
      throw new Error('FrameParser.end() called while complete frames are still buffered: drain next() first');
    }
    const start = this.consumed;
    const leftover = this.buffered;
    const skipping = this.skipRemaining;
    this.discard(this.buffered);
    this.skipRemaining = 0;
    if (skipping > 0) {
      this._errors++;
      return new FrameError('truncated', `stream ended ${skipping} bytes before the end of a skipped frame`, start);
    }
    if (leftover > 0) {
      this._errors++;
      return new FrameError('truncated', `stream ended inside a frame (${leftover} bytes left over)`, start);
    }
    return null;
  }

  private peekLength(): number {
    const c = this.chunks[this.first];
    const hi = c[this.head];
    const lo = this.head + 1 < c.length ? c[this.head + 1] : this.chunks[this.first + 1][0];
    return (hi << 8) | lo;
  }

  /** Removes up to n bytes; returns how many. */
  private discard(n: number): number {
    let left = Math.min(n, this.buffered);
    const done = left;
    while (left > 0) {
      const c = this.chunks[this.first];
      const avail = c.length - this.head;
      if (avail > left) {
        this.head += left;
        left = 0;
      } else {
        left -= avail;
        this.dropFirstChunk();
      }
    }
    this.buffered -= done;
    this.consumed += done;
    return done;
  }

  /** Removes exactly n buffered bytes (n <= buffered) and returns them, as a view when possible. */
  private take(n: number): Buffer {
    const c = this.chunks[this.first];
    let out: Buffer;
    if (c.length - this.head >= n) {
      out = c.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === c.length) this.dropFirstChunk();
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const cur = this.chunks[this.first];
        const count = Math.min(cur.length - this.head, n - filled);
        cur.copy(out, filled, this.head, this.head + count);
        filled += count;
        this.head += count;
        if (this.head === cur.length) this.dropFirstChunk();
      }
    }
    this.buffered -= n;
    this.consumed += n;
    return out;
  }

  private dropFirstChunk(): void {
    this.first++;
    this.head = 0;
    if (this.first === this.chunks.length) {
      this.chunks.length = 0;
      this.first = 0;
    } else if (this.first >= 64) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
