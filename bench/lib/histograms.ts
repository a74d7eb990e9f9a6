import hdr from 'hdr-histogram-js';
import type { LatencySummary } from './stats.js';

/**
 * HdrHistograms of latencies in microseconds (1 µs to 60 s, 3 significant digits), the same layout as
 * LatencyRecorder, for processes that record on their own and send their histograms to the bench (encoded as
 * compressed base64, HdrHistogram's interchange format).
 */
export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

/** Records a duration in milliseconds (performance.now() differences). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.min(60_000_000, Math.max(1, Math.round(ms * 1000))));
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Decodes and adds up encoded histograms. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) total.add(hdr.decodeFromCompressedBase64(e));
  return total;
}

export function summarise(histogram: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  const empty = histogram.totalCount === 0;
  return {
    count: histogram.totalCount,
    p50: empty ? 0 : ms(histogram.getValueAtPercentile(50)),
    p90: empty ? 0 : ms(histogram.getValueAtPercentile(90)),
    p99: empty ? 0 : ms(histogram.getValueAtPercentile(99)),
    p999: empty ? 0 : ms(histogram.getValueAtPercentile(99.9)),
    max: empty ? 0 : ms(histogram.maxValue),
    mean: empty ? 0 : ms(histogram.mean),
  };
}
