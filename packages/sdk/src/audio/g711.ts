// ITU-T G.711 µ-law and A-law companding of 16-bit linear PCM.
// Quantisation follows the ITU-T G.191 (STL) reference implementation:
// µ-law uses the 14 most significant bits, A-law the 13 most significant,
// negative inputs are taken as one's complement. Decoding returns the
// mid-point of each quantisation interval, scaled to 16 bits.

/** µ-law code for digital silence (decodes to 0). */
export const ULAW_SILENCE = 0xff;
/** A-law code for digital silence (decodes to +8, the smallest positive level). */
export const ALAW_SILENCE = 0xd5;

export type G711Law = 'ulaw' | 'alaw';

/** Reference µ-law quantiser for one 16-bit sample. */
function ulawCompress(sample: number): number {
  let magnitude = (sample < 0 ? ~sample : sample) >> 2; // 13-bit magnitude
  magnitude += 33; // bias
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  let segment = 1;
  for (let i = magnitude >> 6; i !== 0; i >>= 1) segment++;
  const high = 8 - segment;
  const low = 0x0f - ((magnitude >> segment) & 0x0f);
  const code = (high << 4) | low;
  return sample >= 0 ? code | 0x80 : code;
}

/** Reference µ-law expander for one code. */
function ulawExpand(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const step = 4 << (exponent + 1);
  const magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
  return code < 0x80 ? -magnitude : magnitude;
}

/** Reference A-law quantiser for one 16-bit sample. */
function alawCompress(sample: number): number {
  let ix = (sample < 0 ? ~sample : sample) >> 4; // 11-bit magnitude
  if (ix > 15) {
    let exponent = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      exponent++;
    }
    ix = ix - 16 + (exponent << 4);
  }
  if (sample >= 0) ix |= 0x80;
  return ix ^ 0x55; // even-bit inversion
}

/** Reference A-law expander for one code. */
function alawExpand(code: number): number {
  const ix = (code ^ 0x55) & 0x7f;
  const exponent = ix >> 4;
  let mantissa = ix & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 0x7f ? mantissa : -mantissa;
}

// Decode tables: code -> linear sample.
const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
for (let code = 0; code < 256; code++) {
  ULAW_DECODE[code] = ulawExpand(code);
  ALAW_DECODE[code] = alawExpand(code);
}

// Encode tables indexed by the sample's 16-bit two's complement pattern (64 KiB each).
const ULAW_ENCODE = new Uint8Array(65536);
const ALAW_ENCODE = new Uint8Array(65536);
for (let sample = -32768; sample < 32768; sample++) {
  ULAW_ENCODE[sample & 0xffff] = ulawCompress(sample);
  ALAW_ENCODE[sample & 0xffff] = alawCompress(sample);
}

/** Table index for any number: clamped to int16, truncated, NaN as 0. */
function tableIndex(sample: number): number {
  if (sample >= 32767) return 0x7fff;
  if (sample <= -32768) return 0x8000;
  if (Number.isNaN(sample)) return 0;
  return Math.trunc(sample) & 0xffff;
}

/** Encodes one linear sample (clamped to int16, NaN as 0) to a µ-law code. */
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[tableIndex(sample)];
}

/** Decodes one µ-law code (low 8 bits used) to a linear sample. */
export function ulawToLinear(code: number): number {
  return ULAW_DECODE[code & 0xff];
}

/** Encodes one linear sample (clamped to int16, NaN as 0) to an A-law code. */
export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[tableIndex(sample)];
}

/** Decodes one A-law code (low 8 bits used) to a linear sample. */
export function alawToLinear(code: number): number {
  return ALAW_DECODE[code & 0xff];
}

function encodeWith(table: Uint8Array, pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i] & 0xffff];
  return out;
}

function decodeWith(table: Int16Array, data: Uint8Array): Int16Array {
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = table[data[i]];
  return out;
}

/** Encodes 16-bit linear PCM to µ-law, one byte per sample. */
export function encodeUlaw(pcm: Int16Array): Buffer {
  return encodeWith(ULAW_ENCODE, pcm);
}

/** Decodes µ-law bytes to 16-bit linear PCM. */
export function decodeUlaw(data: Uint8Array): Int16Array {
  return decodeWith(ULAW_DECODE, data);
}

/** Encodes 16-bit linear PCM to A-law, one byte per sample. */
export function encodeAlaw(pcm: Int16Array): Buffer {
  return encodeWith(ALAW_ENCODE, pcm);
}

/** Decodes A-law bytes to 16-bit linear PCM. */
export function decodeAlaw(data: Uint8Array): Int16Array {
  return decodeWith(ALAW_DECODE, data);
}

/** Encodes with the given law. */
export function encodeG711(law: G711Law, pcm: Int16Array): Buffer {
  return law === 'ulaw' ? encodeUlaw(pcm) : encodeAlaw(pcm);
}

/** Decodes with the given law. */
export function decodeG711(law: G711Law, data: Uint8Array): Int16Array {
  return law === 'ulaw' ? decodeUlaw(data) : decodeAlaw(data);
}

/** Silence code for the given law. */
export function g711Silence(law: G711Law): number {
  return law === 'ulaw' ? ULAW_SILENCE : ALAW_SILENCE;
}
