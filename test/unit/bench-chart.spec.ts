import { barChart, escapeXml, formatNumber, lineChart, logTicks, niceTicks, panels } from '../../bench/lib/chart.js';

/** Checks that every element opened is closed, in order (no XML parser among the dependencies). */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
}

describe('bench chart', () => {
  it('picks round ticks that cover the range', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(3, 7.2, 4)).toEqual([2, 4, 6, 8]);
    const ticks = niceTicks(0.013, 0.9);
    expect(ticks[0]).toBeLessThanOrEqual(0.013);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(0.9);
    expect(niceTicks(5, 5).length).toBeGreaterThan(1);
    expect(logTicks(0.7, 160)).toEqual([0.5, 1, 2, 5, 10, 20, 50, 100, 200]);
  });

  it('formats and escapes labels', () => {
    expect(formatNumber(5871)).toBe('5,871');
    expect(formatNumber(12_500, true)).toBe('12.5k');
    expect(formatNumber(9.447)).toBe('9.45');
    expect(formatNumber(0.0123)).toBe('0.012');
    expect(escapeXml('p99 < 20 ms & "loss"')).toBe('p99 &lt; 20 ms &amp; &quot;loss&quot;');
  });

  it('draws a line chart with axes, a right axis, thresholds, gaps and a legend', () => {
    const svg = lineChart({
      title: 'media <echo>',
      x: { label: 'concurrent calls' },
      y: { label: 'latency (ms)', log: true },
      y2: { label: 'loss %', min: 0 },
      series: [
        {
          name: 'edge p99',
          points: [
            [100, 3.9],
            [600, 9.4],
            [800, 158],
          ],
        },
        {
          name: 'baseline p99',
          dashed: true,
          points: [
            [100, 3.1],
            [600, null],
            [800, 9.7],
          ],
        },
        { name: 'loss', axis: 'right', points: [[800, 0.02]] },
      ],
      thresholds: [{ y: 20, label: 'p99 limit 20 ms' }],
    });
    expectWellFormed(svg);
    expect(svg).toContain('media &lt;echo&gt;');
    expect(svg).toContain('>edge p99<');
    expect(svg).toContain('>loss (right axis)<');
    expect(svg).toContain('p99 limit 20 ms');
    expect(svg).toContain('stroke-dasharray="6 3"');
    // The baseline's null splits its line: no polyline of the two points on either side of the gap.
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg.match(/<circle/g)).toHaveLength(3 + 2 + 1);
  });

  it('draws grouped bars and puts charts side by side', () => {
    const bars = barChart({
      title: 'tg',
      categories: ['10x10', '100x1'],
      y: { label: 'req/s' },
      series: [
        { name: 'edge', values: [5871, 3259] },
        { name: 'baseline', values: [7283, null] },
      ],
      thresholds: [{ y: 5098, label: '70% of baseline' }],
    });
    expectWellFormed(bars);
    expect(bars.match(/<rect/g)).toHaveLength(1 + 3 + 2); // background, three bars, two legend swatches
    expect(bars).toContain('>5,871<');
    const both = panels([bars, lineChart({ title: 'empty', x: { label: 'x' }, y: { label: 'y' }, series: [] })]);
    expectWellFormed(both);
    expect(both).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1440" height="420"/);
    expect(both).toContain('<svg x="720" y="0"');
  });
});
