import { alawToLinear, decodeUlaw, encodeAlaw, encodeUlaw } from './g711.js';
import { ToneGenerator, detectTone } from './tone.js';
import {
  TELEPHONY_SAMPLE_RATE,
  WavFormatError,
  downmixToMono,
  readWav,
  resampleLinear,
  toTelephonyPcm,
  writeWav,
  writeWavG711,
} from './wav.js';

// Builds a RIFF chunk with a pad byte after odd-sized bodies.
function chunk(id: string, body: Uint8Array, declaredSize = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(declaredSize, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length & 1)]);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

function fmt(tag: number, channels: number, rate: number, bits: number, extra?: Buffer): Buffer {
  const b = Buffer.alloc(16);
  const align = (channels * bits) / 8;
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE(rate * align, 8);
  b.writeUInt16LE(align, 12);
  b.writeUInt16LE(bits, 14);
  return chunk('fmt ', extra ? Buffer.concat([b, extra]) : b);
}

// WAVE_FORMAT_EXTENSIBLE fmt chunk with a KSDATAFORMAT_SUBTYPE_* GUID for `subTag`.
function fmtExtensible(subTag: number, channels: number, rate: number, bits: number): Buffer {
  const ext = Buffer.alloc(24);
  ext.writeUInt16LE(22, 0); // cbSize
  ext.writeUInt16LE(bits, 2); // valid bits
  ext.writeUInt32LE(channels === 2 ? 0x3 : 0x4, 4); // channel mask
  ext.writeUInt16LE(subTag, 8);
  Buffer.from('000000001000800000aa00389b71', 'hex').copy(ext, 10);
  return fmt(0xfffe, channels, rate, bits, ext);
}

function pcmBytes(pcm: Int16Array): Buffer {
  const b = Buffer.alloc(pcm.length * 2);
  pcm.forEach((x, i) => b.writeInt16LE(x, i * 2));
  return b;
}

function readError(file: Uint8Array): WavFormatError {
  try {
    readWav(file);
  } catch (e) {
    expect(e).toBeInstanceOf(WavFormatError);
    return e as WavFormatError;
  }
  throw new Error('expected readWav to throw');
}

const tone1k = (samples: number, sampleRate = 8000) =>
  new ToneGenerator({ frequency: 1000, amplitude: 0.5, sampleRate }).next(samples);

describe('writeWav', () => {
  it('writes a canonical 44-byte-header 16-bit PCM mono file', () => {
    const pcm = Int16Array.of(0, 1, -1, 32767, -32768);
    const file = writeWav(pcm, { sampleRate: 8000 });
    expect(file.length).toBe(44 + 10);
    expect(file.toString('latin1', 0, 4)).toBe('RIFF');
    expect(file.readUInt32LE(4)).toBe(file.length - 8);
    expect(file.toString('latin1', 8, 16)).toBe('WAVEfmt ');
    expect(file.readUInt32LE(16)).toBe(16);
    expect(file.readUInt16LE(20)).toBe(1); // PCM
    expect(file.readUInt16LE(22)).toBe(1); // channels
    expect(file.readUInt32LE(24)).toBe(8000);
    expect(file.readUInt32LE(28)).toBe(16000); // byte rate
    expect(file.readUInt16LE(32)).toBe(2); // block align
    expect(file.readUInt16LE(34)).toBe(16);
    expect(file.toString('latin1', 36, 40)).toBe('data');
    expect(file.readUInt32LE(40)).toBe(10);
    expect(file.readInt16LE(44 + 6)).toBe(32767);
    expect(file.readInt16LE(44 + 8)).toBe(-32768);
  });

  it('round-trips 16-bit PCM stereo at 44.1 kHz', () => {
    const pcm = Int16Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 65536) - 32768);
    const file = writeWav(pcm, { sampleRate: 44100, channels: 2 });
    expect(file.readUInt16LE(22)).toBe(2);
    expect(file.readUInt32LE(28)).toBe(44100 * 4);
    expect(file.readUInt16LE(32)).toBe(4);
    const wav = readWav(file);
    expect(wav).toMatchObject({
      encoding: 'pcm16',
      sampleRate: 44100,
      channels: 2,
      frames: 1000,
    });
    expect(wav.pcm).toEqual(pcm);
    expect(Buffer.from(wav.data)).toEqual(pcmBytes(pcm));
  });

  it('writes µ-law (format 7) with cbSize and a fact chunk, and reads it back', () => {
    const pcm = tone1k(160);
    const file = writeWav(pcm, { sampleRate: 8000, encoding: 'ulaw' });
    expect(file.readUInt32LE(16)).toBe(18); // fmt size incl. cbSize
    expect(file.readUInt16LE(20)).toBe(7);
    expect(file.readUInt32LE(28)).toBe(8000);
    expect(file.readUInt16LE(32)).toBe(1);
    expect(file.readUInt16LE(34)).toBe(8);
    expect(file.readUInt16LE(36)).toBe(0); // cbSize
    expect(file.toString('latin1', 38, 42)).toBe('fact');
    expect(file.readUInt32LE(46)).toBe(160);
    expect(file.toString('latin1', 50, 54)).toBe('data');
    expect(file.length).toBe(58 + 160);

    const wav = readWav(file);
    expect(wav).toMatchObject({
      encoding: 'ulaw',
      sampleRate: 8000,
      channels: 1,
      frames: 160,
    });
    expect(Buffer.from(wav.data)).toEqual(encodeUlaw(pcm));
    expect(wav.pcm).toEqual(decodeUlaw(encodeUlaw(pcm)));
    expect(detectTone(wav.pcm, 8000, 1000)).toBeGreaterThan(0.95);
  });

  it('writes A-law (format 6) at any sample rate and stereo', () => {
    const pcm = Int16Array.from({ length: 64 }, (_, i) => (i - 32) * 900);
    const file = writeWav(pcm, {
      sampleRate: 16000,
      channels: 2,
      encoding: 'alaw',
    });
    expect(file.readUInt16LE(20)).toBe(6);
    expect(file.readUInt32LE(24)).toBe(16000);
    expect(file.readUInt32LE(28)).toBe(32000);
    expect(file.readUInt32LE(46)).toBe(32); // fact: sample frames
    const wav = readWav(file);
    expect(wav).toMatchObject({
      encoding: 'alaw',
      sampleRate: 16000,
      channels: 2,
      frames: 32,
    });
    expect(Buffer.from(wav.data)).toEqual(encodeAlaw(pcm));
  });

  it('pads an odd-length data chunk and still reads the exact samples', () => {
    const codes = Uint8Array.of(1, 2, 3, 4, 5);
    const file = writeWavG711(codes, { sampleRate: 8000, encoding: 'ulaw' });
    expect(file.length % 2).toBe(0);
    expect(file.readUInt32LE(4)).toBe(file.length - 8);
    expect(file.readUInt32LE(54)).toBe(5); // declared size excludes the pad
    expect(file[file.length - 1]).toBe(0);
    const wav = readWav(file);
    expect(Array.from(wav.data)).toEqual([1, 2, 3, 4, 5]);
    expect(wav.frames).toBe(5);
  });

  it('writes empty audio', () => {
    const wav = readWav(writeWav(new Int16Array(0), { sampleRate: 8000 }));
    expect(wav.frames).toBe(0);
    expect(wav.pcm.length).toBe(0);
  });

  it('validates its input', () => {
    expect(() => writeWav(new Int16Array(3), { sampleRate: 8000, channels: 2 })).toThrow(RangeError);
    expect(() => writeWav(new Int16Array(2), { sampleRate: 0 })).toThrow(/sampleRate/);
    expect(() => writeWav(new Int16Array(2), { sampleRate: 8000.5 })).toThrow(/sampleRate/);
    expect(() => writeWav(new Int16Array(2), { sampleRate: 8000, channels: 0 })).toThrow(/channels/);
    expect(() =>
      writeWavG711(new Uint8Array(3), {
        sampleRate: 8000,
        channels: 2,
        encoding: 'alaw',
      }),
    ).toThrow(RangeError);
  });
});

describe('readWav', () => {
  const pcm = Int16Array.of(100, -100, 2000, -2000, 0, 32767);

  it('skips LIST and other chunks, honouring odd-size padding', () => {
    const list = chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00riptt', 'latin1')); // odd size
    const odd = chunk('junk', Buffer.from([1, 2, 3])); // 3 bytes + pad
    const file = riff(list, fmt(1, 1, 8000, 16), odd, chunk('data', pcmBytes(pcm)), chunk('id3 ', Buffer.alloc(9)));
    const wav = readWav(file);
    expect(wav).toMatchObject({
      encoding: 'pcm16',
      sampleRate: 8000,
      channels: 1,
      frames: 6,
    });
    expect(wav.pcm).toEqual(pcm);
  });

  it('accepts a data chunk before the fmt chunk', () => {
    const wav = readWav(riff(chunk('data', pcmBytes(pcm)), fmt(1, 2, 22050, 16)));
    expect(wav).toMatchObject({ channels: 2, sampleRate: 22050, frames: 3 });
    expect(wav.pcm).toEqual(pcm);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with a PCM subformat', () => {
    const wav = readWav(riff(fmtExtensible(1, 2, 48000, 16), chunk('data', pcmBytes(pcm))));
    expect(wav).toMatchObject({
      encoding: 'pcm16',
      sampleRate: 48000,
      channels: 2,
      frames: 3,
    });
    expect(wav.pcm).toEqual(pcm);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with µ-law and A-law subformats', () => {
    const codes = Buffer.from([0xff, 0x00, 0x80]);
    const ulaw = readWav(riff(fmtExtensible(7, 1, 8000, 8), chunk('data', codes)));
    expect(ulaw.encoding).toBe('ulaw');
    expect(Array.from(ulaw.pcm)).toEqual([0, -32124, 32124]);
    const alaw = readWav(riff(fmtExtensible(6, 1, 8000, 8), chunk('data', codes)));
    expect(alaw.encoding).toBe('alaw');
    expect(Array.from(alaw.pcm)).toEqual([alawToLinear(0xff), alawToLinear(0x00), alawToLinear(0x80)]);
  });

  it('truncates a data chunk whose declared size runs past the end to whole frames', () => {
    const body = pcmBytes(pcm).subarray(0, 11); // 5.5 samples present
    const file = riff(fmt(1, 1, 8000, 16), chunk('data', body, 0xffffffff));
    const wav = readWav(file.subarray(0, file.length - 1)); // drop the pad byte riff() added
    expect(wav.frames).toBe(5);
    expect(wav.pcm).toEqual(pcm.subarray(0, 5));
  });

  it('accepts a Uint8Array view at an odd offset', () => {
    const file = writeWav(pcm, { sampleRate: 8000 });
    const backing = new Uint8Array(file.length + 3);
    backing.set(file, 3);
    expect(readWav(backing.subarray(3)).pcm).toEqual(pcm);
  });

  it('returns a copy of the data bytes', () => {
    const file = writeWavG711(Uint8Array.of(9, 9), {
      sampleRate: 8000,
      encoding: 'alaw',
    });
    const wav = readWav(file);
    file.fill(0);
    expect(Array.from(wav.data)).toEqual([9, 9]);
  });

  it.each([
    ['24-bit PCM', fmt(1, 1, 8000, 24), 1],
    ['8-bit PCM', fmt(1, 1, 8000, 8), 1],
    ['32-bit IEEE float', fmt(3, 1, 8000, 32), 3],
    ['4-bit IMA ADPCM', fmt(0x11, 1, 8000, 4, Buffer.from([2, 0, 0xf9, 0x01])), 0x11],
    ['4-bit Microsoft ADPCM', fmt(2, 1, 8000, 4, Buffer.alloc(4)), 2],
    ['16-bit µ-law', fmt(7, 1, 8000, 16), 7],
    ['MPEG Layer 3', fmt(0x55, 2, 44100, 0), 0x55],
    ['16-bit unknown format', fmt(0x1234, 1, 8000, 16), 0x1234],
    ['24-bit PCM (extensible)', fmtExtensible(1, 2, 48000, 24), 1],
    ['32-bit IEEE float (extensible)', fmtExtensible(3, 2, 48000, 32), 3],
  ])('rejects %s with a one-line WavFormatError naming it', (name, fmtChunk, tag) => {
    const error = readError(riff(fmtChunk, chunk('data', Buffer.alloc(12))));
    expect(error.name).toBe('WavFormatError');
    expect(error.formatTag).toBe(tag);
    expect(error.message).toBe(
      `unsupported WAV format: ${name} (format tag 0x${tag.toString(16).padStart(4, '0')}); ` +
        'supported: 16-bit PCM, 8-bit µ-law, 8-bit A-law',
    );
    expect(error.message).not.toContain('\n');
  });

  it('rejects an extensible fmt with a non-standard subformat GUID', () => {
    const ext = fmtExtensible(1, 1, 8000, 16);
    ext[8 + 16 + 10 + 5] ^= 0xff; // corrupt the GUID tail
    expect(readError(riff(ext, chunk('data', Buffer.alloc(4)))).message).toMatch(
      /^unsupported WAV format: WAVE_FORMAT_EXTENSIBLE with non-standard subformat [0-9a-f]{32} \(format tag 0xfffe\)/,
    );
  });

  it('rejects malformed files', () => {
    expect(readError(Buffer.from('RIFF')).message).toMatch(/not a WAV file/);
    expect(readError(Buffer.from('RIFF\0\0\0\0AVI LIST')).message).toMatch(/not a WAV file/);
    expect(readError(Buffer.from('RIFX\0\0\0\0WAVE')).message).toMatch(/RIFX/);
    expect(readError(riff(chunk('data', Buffer.alloc(4)))).message).toMatch(/no fmt chunk/);
    expect(readError(riff(fmt(1, 1, 8000, 16))).message).toMatch(/no data chunk/);
    expect(readError(riff(chunk('fmt ', Buffer.alloc(8)), chunk('data', Buffer.alloc(4)))).message).toMatch(
      /fmt chunk is 8 bytes/,
    );
    expect(readError(riff(fmt(1, 0, 8000, 16), chunk('data', Buffer.alloc(4)))).message).toMatch(/0 channels/);
    const truncatedFmt = riff(fmt(1, 1, 8000, 16)).subarray(0, 30);
    expect(readError(truncatedFmt).message).toMatch(/truncated/);
  });
});

describe('conversion to 8 kHz mono', () => {
  it('downmixes by averaging channels', () => {
    expect(downmixToMono(Int16Array.of(100, 200, -100, -301, 32767, 32767), 2)).toEqual(
      Int16Array.of(150, -200, 32767),
    );
    expect(downmixToMono(Int16Array.of(3, 6, 9), 3)).toEqual(Int16Array.of(6));
    const mono = Int16Array.of(1, 2);
    const copy = downmixToMono(mono, 1);
    expect(copy).toEqual(mono);
    expect(copy).not.toBe(mono);
    expect(() => downmixToMono(mono, 0)).toThrow(RangeError);
  });

  it('resamples by linear interpolation', () => {
    expect(resampleLinear(Int16Array.of(0, 100, 200, 300), 8000, 16000)).toEqual(
      Int16Array.of(0, 50, 100, 150, 200, 250, 300, 300),
    );
    expect(resampleLinear(Int16Array.of(0, 10, 20, 30, 40, 50), 16000, 8000)).toEqual(Int16Array.of(0, 20, 40));
    expect(resampleLinear(Int16Array.of(0, 30, 60), 12000, 8000)).toEqual(Int16Array.of(0, 45));
    expect(resampleLinear(new Int16Array(0), 44100, 8000).length).toBe(0);
    expect(resampleLinear(Int16Array.of(5), 8000, 8000)).toEqual(Int16Array.of(5));
    expect(resampleLinear(new Int16Array(44100), 44100, 8000).length).toBe(8000);
    expect(() => resampleLinear(Int16Array.of(1), 0, 8000)).toThrow(RangeError);
  });

  it('turns a 44.1 kHz stereo WAV with a 1 kHz tone into 8 kHz mono that survives µ-law', () => {
    const left = tone1k(44100, 44100);
    const stereo = new Int16Array(left.length * 2);
    left.forEach((x, i) => {
      stereo[2 * i] = x;
      stereo[2 * i + 1] = x;
    });
    const wav = readWav(writeWav(stereo, { sampleRate: 44100, channels: 2 }));
    const pcm = toTelephonyPcm(wav);
    expect(TELEPHONY_SAMPLE_RATE).toBe(8000);
    expect(pcm.length).toBe(8000);
    expect(detectTone(pcm, 8000, 1000)).toBeGreaterThan(0.95);
    expect(Math.max(...pcm)).toBeGreaterThan(16000);

    const sent = decodeUlaw(encodeUlaw(pcm.subarray(0, 160)));
    expect(detectTone(sent, 8000, 1000)).toBeGreaterThan(0.9);
  });

  it('passes 8 kHz mono audio through unchanged and supports other targets', () => {
    const pcm = tone1k(160);
    const wav = readWav(writeWav(pcm, { sampleRate: 8000 }));
    expect(toTelephonyPcm(wav)).toEqual(pcm);
    expect(toTelephonyPcm(wav, 16000).length).toBe(320);
  });
});
