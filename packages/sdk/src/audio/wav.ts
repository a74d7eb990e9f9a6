// WAV (RIFF/WAVE) read and write for 16-bit PCM and 8-bit G.711 (µ-law, A-law),
// plus conversion to 8 kHz mono PCM for sending as G.711.

import { decodeG711, encodeG711, type G711Law } from './g711.js';

export type WavEncoding = 'pcm16' | G711Law;

/** WAVE format tags used here. */
export const WAV_FORMAT_PCM = 0x0001;
export const WAV_FORMAT_ALAW = 0x0006;
export const WAV_FORMAT_ULAW = 0x0007;
export const WAV_FORMAT_EXTENSIBLE = 0xfffe;

export const TELEPHONY_SAMPLE_RATE = 8000;

const SUPPORTED = 'supported: 16-bit PCM, 8-bit µ-law, 8-bit A-law';

// Well-known format tag names, for error messages.
const FORMAT_NAMES: Record<number, string> = {
  0x0001: 'PCM',
  0x0002: 'Microsoft ADPCM',
  0x0003: 'IEEE float',
  0x0006: 'A-law',
  0x0007: 'µ-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG',
  0x0055: 'MPEG Layer 3',
  0x0064: 'G.726 ADPCM',
  0x0065: 'G.722 ADPCM',
  0xfffe: 'WAVE_FORMAT_EXTENSIBLE',
};

// Tail (bytes 2..15) of KSDATAFORMAT_SUBTYPE_* GUIDs; bytes 0..1 hold the format tag.
const SUBFORMAT_GUID_TAIL = Buffer.from([
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
]);

/** Thrown for malformed or unsupported WAV data; the message is one line. */
export class WavFormatError extends Error {
  /** The WAVE format tag involved, when known. */
  readonly formatTag?: number;

  constructor(message: string, formatTag?: number) {
    super(message);
    this.name = 'WavFormatError';
    this.formatTag = formatTag;
  }
}

export interface WavAudio {
  encoding: WavEncoding;
  sampleRate: number;
  channels: number;
  /** Sample frames (samples per channel). */
  frames: number;
  /** Interleaved 16-bit linear samples (G.711 data decoded). */
  pcm: Int16Array;
  /** Copy of the raw sample bytes (the G.711 codes for ulaw/alaw). */
  data: Uint8Array;
}

export interface WavWriteOptions {
  sampleRate: number;
  /** Interleaved channel count (default 1). */
  channels?: number;
  /** Stored encoding (default 'pcm16'); PCM is G.711-encoded when ulaw/alaw. */
  encoding?: WavEncoding;
}

function formatName(tag: number): string {
  return FORMAT_NAMES[tag] ?? 'unknown format';
}

function hex4(tag: number): string {
  return '0x' + tag.toString(16).padStart(4, '0');
}

function unsupported(description: string, tag: number): WavFormatError {
  return new WavFormatError(`unsupported WAV format: ${description} (format tag ${hex4(tag)}); ${SUPPORTED}`, tag);
}

function checkLayout(sampleRate: number, channels: number): void {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) {
    throw new RangeError(`sampleRate must be a positive integer, got ${sampleRate}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff) {
    throw new RangeError(`channels must be an integer within 1..65535, got ${channels}`);
  }
}

/** Builds a WAV file from interleaved 16-bit PCM, stored as PCM or G.711. */
export function writeWav(pcm: Int16Array, options: WavWriteOptions): Buffer {
  const { sampleRate, channels = 1, encoding = 'pcm16' } = options;
  checkLayout(sampleRate, channels);
  if (pcm.length % channels !== 0) {
    throw new RangeError(`sample count ${pcm.length} is not a multiple of ${channels} channels`);
  }
  if (encoding !== 'pcm16')
    return writeWavG711(encodeG711(encoding, pcm), {
      sampleRate,
      channels,
      encoding,
    });

  const data = Buffer.allocUnsafe(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) data.writeInt16LE(pcm[i], i * 2);
  return buildWav(WAV_FORMAT_PCM, sampleRate, channels, 16, data);
}

/** Builds a WAV file from already-encoded interleaved G.711 bytes. */
export function writeWavG711(
  data: Uint8Array,
  options: { sampleRate: number; channels?: number; encoding: G711Law },
): Buffer {
  const { sampleRate, channels = 1, encoding } = options;
  checkLayout(sampleRate, channels);
  if (data.length % channels !== 0) {
    throw new RangeError(`byte count ${data.length} is not a multiple of ${channels} channels`);
  }
  const tag = encoding === 'ulaw' ? WAV_FORMAT_ULAW : WAV_FORMAT_ALAW;
  return buildWav(tag, sampleRate, channels, 8, data);
}

function buildWav(tag: number, sampleRate: number, channels: number, bits: number, data: Uint8Array): Buffer {
  const isPcm = tag === WAV_FORMAT_PCM;
  const fmtSize = isPcm ? 16 : 18; // non-PCM carries cbSize
  const factSize = isPcm ? 0 : 8 + 4; // non-PCM carries a fact chunk
  const pad = data.length & 1;
  const total = 12 + 8 + fmtSize + factSize + 8 + data.length + pad;
  if (total - 8 > 0xffffffff) throw new RangeError('audio too long for a WAV file (over 4 GiB)');

  const blockAlign = channels * (bits / 8);
  const out = Buffer.alloc(total);
  let pos = 0;
  pos += out.write('RIFF', pos, 'ascii');
  pos = out.writeUInt32LE(total - 8, pos);
  pos += out.write('WAVE', pos, 'ascii');
  pos += out.write('fmt ', pos, 'ascii');
  pos = out.writeUInt32LE(fmtSize, pos);
  pos = out.writeUInt16LE(tag, pos);
  pos = out.writeUInt16LE(channels, pos);
  pos = out.writeUInt32LE(sampleRate, pos);
  pos = out.writeUInt32LE(sampleRate * blockAlign, pos);
  pos = out.writeUInt16LE(blockAlign, pos);
  pos = out.writeUInt16LE(bits, pos);
  if (!isPcm) {
    pos = out.writeUInt16LE(0, pos); // cbSize
    pos += out.write('fact', pos, 'ascii');
    pos = out.writeUInt32LE(4, pos);
    pos = out.writeUInt32LE(data.length / blockAlign, pos);
  }
  pos += out.write('data', pos, 'ascii');
  pos = out.writeUInt32LE(data.length, pos);
  out.set(data, pos); // pad byte, if any, is already zero
  return out;
}

interface FmtChunk {
  encoding: WavEncoding;
  channels: number;
  sampleRate: number;
  bytesPerSample: number;
}

function parseFmt(buf: Buffer, start: number, size: number): FmtChunk {
  if (size < 16) throw new WavFormatError(`malformed WAV: fmt chunk is ${size} bytes, expected at least 16`);
  let tag = buf.readUInt16LE(start);
  const channels = buf.readUInt16LE(start + 2);
  const sampleRate = buf.readUInt32LE(start + 4);
  const bits = buf.readUInt16LE(start + 14);
  let via = '';

  if (tag === WAV_FORMAT_EXTENSIBLE) {
    if (size < 40) throw new WavFormatError(`malformed WAV: extensible fmt chunk is ${size} bytes, expected 40`, tag);
    const guid = buf.subarray(start + 24, start + 40);
    if (!guid.subarray(2).equals(SUBFORMAT_GUID_TAIL)) {
      throw unsupported(`WAVE_FORMAT_EXTENSIBLE with non-standard subformat ${guid.toString('hex')}`, tag);
    }
    tag = guid.readUInt16LE(0);
    via = ' (extensible)';
  }

  let encoding: WavEncoding;
  if (tag === WAV_FORMAT_PCM && bits === 16) encoding = 'pcm16';
  else if (tag === WAV_FORMAT_ULAW && bits === 8) encoding = 'ulaw';
  else if (tag === WAV_FORMAT_ALAW && bits === 8) encoding = 'alaw';
  else throw unsupported(`${bits > 0 ? `${bits}-bit ` : ''}${formatName(tag)}${via}`, tag);

  if (channels === 0) throw new WavFormatError('malformed WAV: fmt chunk declares 0 channels', tag);
  if (sampleRate === 0) throw new WavFormatError('malformed WAV: fmt chunk declares a 0 Hz sample rate', tag);
  return { encoding, channels, sampleRate, bytesPerSample: bits / 8 };
}

/**
 * Parses a WAV file holding 16-bit PCM or 8-bit µ-law/A-law (plain or
 * WAVE_FORMAT_EXTENSIBLE). Unknown chunks are skipped; a data chunk whose
 * declared size runs past the end is truncated to the bytes present.
 */
export function readWav(file: Uint8Array): WavAudio {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 12) throw new WavFormatError(`not a WAV file: only ${buf.length} bytes`);
  const riff = buf.toString('latin1', 0, 4);
  const wave = buf.toString('latin1', 8, 12);
  if (riff === 'RIFX' || riff === 'RF64') throw new WavFormatError(`unsupported WAV container: ${riff}`);
  if (riff !== 'RIFF' || wave !== 'WAVE') throw new WavFormatError('not a WAV file: missing RIFF/WAVE header');

  let fmt: FmtChunk | undefined;
  let dataStart = -1;
  let dataSize = 0;
  let pos = 12;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (body + size > buf.length) throw new WavFormatError('malformed WAV: fmt chunk is truncated');
      fmt = parseFmt(buf, body, size);
    } else if (id === 'data' && dataStart < 0) {
      dataStart = body;
      dataSize = Math.min(size, buf.length - body);
    }
    pos = body + size + (size & 1); // chunks are word-aligned
  }
  if (!fmt) throw new WavFormatError('malformed WAV: no fmt chunk');
  if (dataStart < 0) throw new WavFormatError('malformed WAV: no data chunk');

  const blockAlign = fmt.channels * fmt.bytesPerSample;
  const frames = Math.floor(dataSize / blockAlign);
  const data = new Uint8Array(buf.subarray(dataStart, dataStart + frames * blockAlign)); // copy
  let pcm: Int16Array;
  if (fmt.encoding === 'pcm16') {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    pcm = new Int16Array(data.length / 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(i * 2, true);
  } else {
    pcm = decodeG711(fmt.encoding, data);
  }
  return {
    encoding: fmt.encoding,
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    frames,
    pcm,
    data,
  };
}

/** Averages interleaved channels into one (returns a copy when already mono). */
export function downmixToMono(pcm: Int16Array, channels: number): Int16Array {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`invalid channel count ${channels}`);
  if (channels === 1) return pcm.slice();
  const frames = Math.floor(pcm.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += pcm[i++];
    out[f] = Math.round(sum / channels);
  }
  return out;
}

/**
 * Resamples mono PCM by linear interpolation (no anti-alias filter, so
 * downsampling folds content above the new Nyquist back into the band).
 */
export function resampleLinear(pcm: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (!(fromRate > 0) || !(toRate > 0)) throw new RangeError(`invalid sample rates ${fromRate} -> ${toRate}`);
  if (fromRate === toRate) return pcm.slice();
  const n = pcm.length;
  if (n === 0) return new Int16Array(0);
  const out = new Int16Array(Math.round((n * toRate) / fromRate));
  const last = n - 1;
  for (let i = 0; i < out.length; i++) {
    const t = (i * fromRate) / toRate;
    const k = Math.floor(t);
    if (k >= last) {
      out[i] = pcm[last];
    } else {
      const frac = t - k;
      out[i] = Math.round(pcm[k] + (pcm[k + 1] - pcm[k]) * frac);
    }
  }
  return out;
}

/** Converts read WAV audio to mono 16-bit PCM at `sampleRate` (default 8 kHz) for G.711. */
export function toTelephonyPcm(wav: WavAudio, sampleRate = TELEPHONY_SAMPLE_RATE): Int16Array {
  return resampleLinear(downmixToMono(wav.pcm, wav.channels), wav.sampleRate, sampleRate);
}
