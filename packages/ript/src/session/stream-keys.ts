/**
 * Integer keys for a call's media streams, so that per-frame look-ups need no string building. Source and sink ids
 * and codec numbers are u8 on the wire (profile §7).
 */

/** The stream a frame belongs to: its (source, sink) pair. */
export function pairKey(source: number, sink: number): number {
  return (source << 8) | sink;
}

/** The source of a pairKey. */
export function pairSource(key: number): number {
  return key >> 8;
}

/** The sink of a pairKey. */
export function pairSink(key: number): number {
  return key & 0xff;
}

/** A directive a frame must match: (source, sink, codec). */
export function directiveKey(source: number, sink: number, codec: number): number {
  return (source << 16) | (sink << 8) | codec;
}
