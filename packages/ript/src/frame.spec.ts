import {
  ACK_FRAME_SIZE,
  decodeFrame,
  DEFAULT_MAX_FRAME_SIZE,
  encodeAckFrame,
  encodeMediaFrame,
  FRAME_HEADER_SIZE,
  FrameError,
  FrameKind,
  FrameParser,
  MAX_PAYLOAD_SIZE,
  writeAckFrame,
  writeFrameHeader,
  writeMediaFrame,
  type AckFrame,
  type Frame,
  type MediaFrame,
} from './frame.js';

const TS = 1_735_689_600_123; // 2025-01-01T00:00:00.123Z, above 2^32

function media(seq: number, payload: Buffer | number[] = [seq & 0xff, 1, 2, 3], extra: Partial<MediaFrame> = {}) {
  return encodeMediaFrame({
    source: 1,
    sink: 2,
    codec: 111,
    seq,
    ts: TS + seq * 20,
    payload: Buffer.from(payload),
    ...extra,
  });
}

/** Raw frame with arbitrary header bytes, for malformed cases. */
function rawFrame(kind: number, payloadLength: number, opts: { length?: number; seqHi?: number; tsHi?: number } = {}) {
  const buf = Buffer.alloc(FRAME_HEADER_SIZE + payloadLength, 0xab);
  buf.writeUInt16BE(opts.length ?? 20 + payloadLength, 0);
  buf[2] = kind;
  buf[3] = 1;
  buf[4] = 1;
  buf[5] = 0;
  buf.writeUInt32BE(opts.seqHi ?? 0, 6);
  buf.writeUInt32BE(7, 10);
  buf.writeUInt32BE(opts.tsHi ?? 0, 14);
  buf.writeUInt32BE(9, 18);
  return buf;
}

function drain(parser: FrameParser): (Frame | FrameError)[] {
  const out: (Frame | FrameError)[] = [];
  for (let f = parser.next(); f !== null; f = parser.next()) out.push(f);
  return out;
}

/** Comparable summary of parser output. */
function summary(items: (Frame | FrameError)[]): string[] {
  return items.map((f) =>
    f instanceof FrameError
      ? `error:${f.code}@${f.offset}`
      : f.kind === FrameKind.Ack
        ? `ack:${f.seq}:${f.receivedAt}:${f.framesReceived}`
        : `media:${f.source}>${f.sink}:${f.codec}:${f.seq}:${f.ts}:${f.payload.toString('hex')}`,
  );
}

function parseInChunks(stream: Buffer, cuts: number[], options?: { maxFrameSize?: number }) {
  const parser = new FrameParser(options);
  const out: (Frame | FrameError)[] = [];
  let prev = 0;
  for (const cut of [...cuts, stream.length]) {
    parser.push(stream.subarray(prev, cut));
    out.push(...drain(parser));
    prev = cut;
  }
  const endError = parser.end();
  if (endError) out.push(endError);
  return summary(out);
}

describe('encode / decode', () => {
  it('lays out a media frame as in profile §7', () => {
    const buf = encodeMediaFrame({
      source: 1,
      sink: 2,
      codec: 0,
      seq: 0x0102,
      ts: 0x0000_0102_0304_0506,
      payload: Buffer.from([0xaa, 0xbb]),
    });
    expect(buf.toString('hex')).toBe(
      [
        '0016', // length 22 = 20 + 2
        '00', // kind media
        '01', // source
        '02', // sink
        '00', // codec PCMU
        '0000000000000102', // seq
        '0000010203040506', // ts
        'aabb',
      ].join(''),
    );
  });

  it('lays out an ack frame as in profile §7', () => {
    const buf = encodeAckFrame({
      source: 3,
      sink: 4,
      codec: 111,
      seq: 99,
      ts: 5,
      receivedAt: 0x1_0000_0001,
      framesReceived: 0xfffffffe,
    });
    expect(buf.length).toBe(ACK_FRAME_SIZE);
    expect(buf.toString('hex')).toBe(
      ['0020', '01', '03', '04', '6f', '0000000000000063', '0000000000000005', '0000000100000001', 'fffffffe'].join(''),
    );
  });

  it('round-trips a media frame', () => {
    const payload = Buffer.from('hello opus');
    const f = decodeFrame(encodeMediaFrame({ source: 255, sink: 0, codec: 101, seq: 123456789, ts: TS, payload }));
    expect(f).toEqual({ kind: FrameKind.Media, source: 255, sink: 0, codec: 101, seq: 123456789, ts: TS, payload });
  });

  it('round-trips an ack frame', () => {
    const f = decodeFrame(
      encodeAckFrame({ source: 1, sink: 1, codec: 0, seq: 42, ts: TS, receivedAt: TS + 35, framesReceived: 40 }),
    ) as AckFrame;
    expect(f.kind).toBe(FrameKind.Ack);
    expect([f.seq, f.ts, f.receivedAt, f.framesReceived]).toEqual([42, TS, TS + 35, 40]);
    expect(f.payload.length).toBe(12);
  });

  it('round-trips u64 values up to 2^53 - 1 and an empty payload', () => {
    for (const v of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER]) {
      const f = decodeFrame(
        encodeMediaFrame({ source: 0, sink: 0, codec: 0, seq: v, ts: v, payload: Buffer.alloc(0) }),
      );
      expect([f.seq, f.ts, f.payload.length]).toEqual([v, v, 0]);
    }
  });

  it('round-trips the largest payload', () => {
    const payload = Buffer.alloc(MAX_PAYLOAD_SIZE, 7);
    const buf = encodeMediaFrame({ source: 1, sink: 1, codec: 0, seq: 0, ts: 0, payload });
    expect(buf.readUInt16BE(0)).toBe(0xffff);
    expect(decodeFrame(buf).payload.equals(payload)).toBe(true);
  });

  it('returns the payload as a view, not a copy', () => {
    const buf = media(1, [9, 9]);
    const f = decodeFrame(buf);
    expect(f.payload.buffer).toBe(buf.buffer);
    buf[FRAME_HEADER_SIZE] = 1;
    expect(f.payload[0]).toBe(1);
  });

  it('decodes a plain Uint8Array', () => {
    const buf = media(5);
    const u8 = new Uint8Array(buf.length);
    u8.set(buf);
    expect(decodeFrame(u8).seq).toBe(5);
  });

  it('writes frames back to back into a preallocated buffer', () => {
    const target = Buffer.alloc(200);
    let off = 3;
    off = writeMediaFrame(target, off, {
      source: 1,
      sink: 1,
      codec: 0,
      seq: 1,
      ts: TS,
      payload: Buffer.from([1, 2, 3]),
    });
    expect(off).toBe(3 + 25);
    off = writeAckFrame(target, off, {
      source: 1,
      sink: 1,
      codec: 0,
      seq: 1,
      ts: TS,
      receivedAt: TS + 1,
      framesReceived: 1,
    });
    expect(off).toBe(3 + 25 + 34);
    const parser = new FrameParser();
    parser.push(target.subarray(3, off));
    expect(summary(drain(parser))).toEqual([`media:1>1:0:1:${TS}:010203`, `ack:1:${TS + 1}:1`]);
  });

  it('writes a header alone for a payload sent separately', () => {
    const header = Buffer.alloc(FRAME_HEADER_SIZE);
    const payload = Buffer.from([5, 6, 7]);
    expect(
      writeFrameHeader(header, 0, FrameKind.Media, { source: 2, sink: 3, codec: 8, seq: 4, ts: TS }, payload.length),
    ).toBe(FRAME_HEADER_SIZE);
    const f = decodeFrame(Buffer.concat([header, payload]));
    expect([f.source, f.sink, f.codec, f.seq, f.ts, f.payload.toString('hex')]).toEqual([2, 3, 8, 4, TS, '050607']);
  });

  it.each<[string, () => unknown]>([
    ['source > 255', () => media(0, [], { source: 256 })],
    ['negative sink', () => media(0, [], { sink: -1 })],
    ['fractional codec', () => media(0, [], { codec: 1.5 })],
    ['NaN codec', () => media(0, [], { codec: NaN })],
    ['negative seq', () => media(-1)],
    ['fractional seq', () => media(1.5)],
    ['seq 2^53', () => media(2 ** 53)],
    ['infinite ts', () => media(0, [], { ts: Infinity })],
    [
      'payload too large',
      () =>
        encodeMediaFrame({ source: 0, sink: 0, codec: 0, seq: 0, ts: 0, payload: Buffer.alloc(MAX_PAYLOAD_SIZE + 1) }),
    ],
    [
      'no room',
      () =>
        writeMediaFrame(Buffer.alloc(30), 10, {
          source: 0,
          sink: 0,
          codec: 0,
          seq: 0,
          ts: 0,
          payload: Buffer.alloc(1),
        }),
    ],
    [
      'no room for header',
      () => writeFrameHeader(Buffer.alloc(21), 0, FrameKind.Media, { source: 0, sink: 0, codec: 0, seq: 0, ts: 0 }, 0),
    ],
    [
      'no room for ack',
      () =>
        writeAckFrame(Buffer.alloc(33), 0, {
          source: 0,
          sink: 0,
          codec: 0,
          seq: 0,
          ts: 0,
          receivedAt: 0,
          framesReceived: 0,
        }),
    ],
    [
      'framesReceived > u32',
      () => encodeAckFrame({ source: 0, sink: 0, codec: 0, seq: 0, ts: 0, receivedAt: 0, framesReceived: 2 ** 32 }),
    ],
    [
      'negative receivedAt',
      () => encodeAckFrame({ source: 0, sink: 0, codec: 0, seq: 0, ts: 0, receivedAt: -5, framesReceived: 0 }),
    ],
  ])('rejects %s when encoding', (_name, fn) => {
    expect(fn).toThrow(RangeError);
  });

  it.each<[string, Buffer, string]>([
    ['a buffer shorter than a header', Buffer.alloc(10), 'bad-length'],
    ['a length field below the header', rawFrame(0, 0, { length: 19 }), 'too-short'],
    ['a buffer longer than the frame', Buffer.concat([media(1), Buffer.from([0])]), 'bad-length'],
    ['a buffer shorter than the frame', media(1).subarray(0, 25), 'bad-length'],
    ['an unknown kind', rawFrame(2, 4), 'bad-kind'],
    ['an ack with a short payload', rawFrame(1, 11), 'bad-ack'],
    ['an ack with a long payload', rawFrame(1, 13), 'bad-ack'],
    ['a seq of 2^53', rawFrame(0, 0, { seqHi: 0x200000 }), 'unsafe-integer'],
    ['a ts of 2^64 - 1', rawFrame(0, 0, { tsHi: 0xffffffff }), 'unsafe-integer'],
  ])('rejects %s when decoding', (_name, buf, code) => {
    let error: unknown;
    try {
      decodeFrame(buf);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).code).toBe(code);
  });

  it('rejects an ack whose receivedAt is 2^53 or more', () => {
    const buf = rawFrame(1, 12);
    buf.writeUInt32BE(0x00200000, FRAME_HEADER_SIZE);
    expect(() => decodeFrame(buf)).toThrow(/receivedAt/);
  });
});

describe('FrameParser', () => {
  const frames = [
    media(0),
    encodeAckFrame({ source: 2, sink: 1, codec: 111, seq: 0, ts: TS, receivedAt: TS + 40, framesReceived: 1 }),
    media(1, []),
    media(2, Buffer.alloc(160, 0x55)),
    media(3, [0xff]),
  ];
  const stream = Buffer.concat(frames);
  const expected = parseInChunks(stream, []);

  it('parses several frames in one chunk, as views of the chunk', () => {
    expect(expected).toHaveLength(5);
    expect(expected[0]).toBe(`media:1>2:111:0:${TS}:00010203`);
    expect(expected[1]).toBe(`ack:0:${TS + 40}:1`);
    const parser = new FrameParser();
    parser.push(stream);
    const out = drain(parser) as Frame[];
    for (const f of out) expect(f.payload.buffer).toBe(stream.buffer);
    expect(parser.framesParsed).toBe(5);
    expect(parser.errors).toBe(0);
    expect(parser.bufferedBytes).toBe(0);
    expect(parser.end()).toBeNull();
  });

  it('gives the same frames for a split at every byte offset', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(parseInChunks(stream, [cut])).toEqual(expected);
    }
  });

  it('gives the same frames for two splits at every pair of offsets in the first frames', () => {
    const limit = frames[0].length + frames[1].length + 2;
    for (let a = 0; a <= limit; a++) {
      for (let b = a; b <= limit; b++) expect(parseInChunks(stream, [a, b])).toEqual(expected);
    }
  });

  it('gives the same frames when fed one byte at a time', () => {
    const cuts = Array.from({ length: stream.length }, (_, i) => i);
    expect(parseInChunks(stream, cuts)).toEqual(expected);
  });

  it('assembles a frame pushed as many chunks before reading', () => {
    const big = media(9, Buffer.alloc(1000, 0x11));
    const parser = new FrameParser();
    for (let i = 0; i < big.length; i++) parser.push(big.subarray(i, i + 1));
    parser.push(new Uint8Array(0));
    expect(parser.bufferedBytes).toBe(big.length);
    const out = drain(parser);
    expect(out).toHaveLength(1);
    expect((out[0] as MediaFrame).payload.equals(Buffer.alloc(1000, 0x11))).toBe(true);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('gives the same frames for random chunkings', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 200; run++) {
      const cuts: number[] = [];
      for (let at = 0; ;) {
        at += 1 + Math.floor(rand() * 60);
        if (at >= stream.length) break;
        cuts.push(at);
      }
      expect(parseInChunks(stream, cuts)).toEqual(expected);
    }
  });

  it('accepts plain Uint8Array chunks', () => {
    const parser = new FrameParser();
    parser.push(new Uint8Array(stream.subarray(0, 10)));
    parser.push(new Uint8Array(stream.subarray(10)));
    expect(summary(drain(parser))).toEqual(expected);
  });

  it('feed() yields what a chunk completes', () => {
    const parser = new FrameParser();
    expect([...parser.feed(stream.subarray(0, 30))]).toHaveLength(1);
    expect(summary([...parser.feed(stream.subarray(30))])).toEqual(expected.slice(1));
  });

  it('reports an oversized frame, skips it and keeps sync, at every split', () => {
    const oversized = media(100, Buffer.alloc(DEFAULT_MAX_FRAME_SIZE)); // 1522 bytes
    const s = Buffer.concat([media(0), oversized, media(1)]);
    const want = [`media:1>2:111:0:${TS}:00010203`, `error:oversized@26`, `media:1>2:111:1:${TS + 20}:01010203`];
    expect(parseInChunks(s, [])).toEqual(want);
    for (let cut = 0; cut <= s.length; cut += 7) expect(parseInChunks(s, [cut])).toEqual(want);
    for (let cut = 20; cut <= 40; cut++) expect(parseInChunks(s, [cut])).toEqual(want);
    for (let cut = s.length - 40; cut <= s.length; cut++) expect(parseInChunks(s, [cut])).toEqual(want);
  });

  it('reports the oversized frame as soon as its length field arrives', () => {
    const parser = new FrameParser({ maxFrameSize: 100 });
    parser.push(media(1, Buffer.alloc(200)).subarray(0, 2));
    const e = parser.next() as FrameError;
    expect(e).toBeInstanceOf(FrameError);
    expect(e.code).toBe('oversized');
    expect(e.message).toMatch(/222 bytes exceeds the limit of 100/);
    expect(parser.next()).toBeNull();
    expect(parser.errors).toBe(1);
  });

  it('honours a custom maxFrameSize exactly', () => {
    const f = media(1, Buffer.alloc(78)); // 100 bytes
    expect(parseInChunks(f, [], { maxFrameSize: 100 })[0]).toMatch(/^media:/);
    expect(parseInChunks(f, [], { maxFrameSize: 99 })).toEqual(['error:oversized@0']);
  });

  it('rejects invalid maxFrameSize values', () => {
    expect(() => new FrameParser({ maxFrameSize: 21 })).toThrow(RangeError);
    expect(() => new FrameParser({ maxFrameSize: 65538 })).toThrow(RangeError);
    expect(() => new FrameParser({ maxFrameSize: 1.5 })).toThrow(RangeError);
    expect(new FrameParser({ maxFrameSize: 65537 }).maxFrameSize).toBe(65537);
  });

  it('reports a too-short length field and skips that many bytes', () => {
    const bad = Buffer.from([0x00, 0x03, 0xaa, 0xbb, 0xcc]);
    const s = Buffer.concat([media(0), bad, media(1)]);
    const want = [`media:1>2:111:0:${TS}:00010203`, 'error:too-short@26', `media:1>2:111:1:${TS + 20}:01010203`];
    for (let cut = 0; cut <= s.length; cut++) expect(parseInChunks(s, [cut])).toEqual(want);
  });

  it('reports bad kind, bad ack and unsafe integers and goes on', () => {
    const s = Buffer.concat([
      rawFrame(7, 3),
      media(0),
      rawFrame(1, 4),
      rawFrame(0, 0, { seqHi: 0xffffffff }),
      media(1),
    ]);
    const want = [
      'error:bad-kind@0',
      `media:1>2:111:0:${TS}:00010203`,
      'error:bad-ack@51',
      'error:unsafe-integer@77',
      `media:1>2:111:1:${TS + 20}:01010203`,
    ];
    for (let cut = 0; cut <= s.length; cut++) expect(parseInChunks(s, [cut])).toEqual(want);
  });

  it('reports a truncated frame at the end of the stream, at every truncation point', () => {
    for (let len = 0; len < stream.length; len++) {
      const truncated = stream.subarray(0, len);
      const out = parseInChunks(truncated, [Math.floor(len / 2)]);
      const complete = expected.filter((_, i) => frames.slice(0, i + 1).reduce((n, f) => n + f.length, 0) <= len);
      const atBoundary = frames.reduce<number[]>((acc, f) => [...acc, (acc.at(-1) ?? 0) + f.length], [0]).includes(len);
      expect(out.slice(0, complete.length)).toEqual(complete);
      if (atBoundary) expect(out).toHaveLength(complete.length);
      else expect(out[complete.length]).toMatch(/^error:truncated@\d+$/);
    }
  });

  it('reports a stream that ends inside a skipped oversized frame', () => {
    const parser = new FrameParser({ maxFrameSize: 100 });
    parser.push(media(1, Buffer.alloc(200)).subarray(0, 50));
    expect(summary(drain(parser))).toEqual(['error:oversized@0']);
    const e = parser.end();
    expect(e?.code).toBe('truncated');
    expect(e?.message).toMatch(/172 bytes before the end of a skipped frame/);
  });

  it('end() refuses to drop complete frames that were not read', () => {
    const parser = new FrameParser();
    parser.push(media(1));
    expect(() => parser.end()).toThrow(/drain next\(\) first/);
    expect(drain(parser)).toHaveLength(1);
    expect(parser.end()).toBeNull();
  });

  it('end() clears a partial frame and reports its offset', () => {
    const parser = new FrameParser();
    parser.push(Buffer.concat([media(0), media(1).subarray(0, 1)]));
    expect(drain(parser)).toHaveLength(1);
    expect(parser.bufferedBytes).toBe(1);
    const e = parser.end();
    expect(e?.code).toBe('truncated');
    expect(e?.offset).toBe(26);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('parses a long stream without holding on to consumed chunks', () => {
    const parser = new FrameParser();
    let n = 0;
    for (let seq = 0; seq < 2000; seq++) {
      const f = media(seq);
      parser.push(f.subarray(0, 5));
      parser.push(f.subarray(5));
      for (const item of drain(parser)) {
        expect((item as MediaFrame).seq).toBe(n++);
      }
    }
    expect(n).toBe(2000);
    expect(parser.bufferedBytes).toBe(0);
    expect((parser as unknown as { chunks: unknown[] }).chunks.length).toBe(0);
  });
});
