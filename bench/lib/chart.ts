/**
 * Small, dependency-free SVG charts for the bench results: line charts (numeric x, linear or log y, an optional right
 * axis, threshold lines) and grouped bar charts, each with a title, axes, tick labels and a legend; `panels` puts
 * several charts side by side in one SVG. The output is plain SVG 1.1 text (no scripts, no external fonts).
 */

export interface LineSeries {
  name: string;
  /** [x, y]; a null y leaves a gap. */
  points: ReadonlyArray<readonly [number, number | null]>;
  /** Plotted against the right axis (`y2`); default left. */
  axis?: 'left' | 'right';
  dashed?: boolean;
  color?: string;
}

export interface Threshold {
  y: number;
  label: string;
  axis?: 'left' | 'right';
  color?: string;
}

export interface AxisSpec {
  label: string;
  /** Logarithmic scale (every value must be > 0; others are dropped). */
  log?: boolean;
  /** Forces the axis to include this range (e.g. 0). */
  min?: number;
  max?: number;
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  x: AxisSpec;
  y: AxisSpec;
  y2?: AxisSpec;
  series: LineSeries[];
  thresholds?: Threshold[];
  width?: number;
  height?: number;
}

export interface BarSeries {
  name: string;
  /** One value per category; null draws no bar. */
  values: ReadonlyArray<number | null>;
  color?: string;
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  categories: string[];
  y: AxisSpec;
  series: BarSeries[];
  thresholds?: Threshold[];
  /** Print each bar's value above it (default true). */
  valueLabels?: boolean;
  width?: number;
  height?: number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const MARGIN = { left: 64, right: 64, top: 52, bottom: 92 };

/** Escapes text for SVG element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A number as a short label: 1234 -> "1,234", 0.25 -> "0.25", 12500 -> "12.5k" when compact. */
export function formatNumber(n: number, compact = false): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (compact && abs >= 1e6) return `${trim(n / 1e6)}M`;
  if (compact && abs >= 1e4) return `${trim(n / 1e3)}k`;
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return String(Math.round(n));
  if (abs >= 10) return trim(n, 1);
  if (abs >= 1 || abs === 0) return trim(n, 2);
  return String(Number(n.toPrecision(2)));
}

function trim(n: number, digits = 1): string {
  return String(Number(n.toFixed(digits)));
}

/** About `count` round tick values (1, 2, 5 x 10^k steps) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.5;
    [min, max] = [min - pad, max + pad];
  }
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Tick values of a log axis: 1, 2, 5 x 10^k within [min, max] (widened to whole decades' steps). */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++)
    for (const m of hi - lo > 4 ? [1] : [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(12));
      ticks.push(v);
    }
  const below = ticks.filter((t) => t <= min).pop() ?? ticks[0];
  const above = ticks.find((t) => t >= max) ?? ticks[ticks.length - 1];
  return ticks.filter((t) => t >= below && t <= above);
}

interface Scale {
  ticks: number[];
  map: (v: number) => number;
  ok: (v: number) => boolean;
}

function scale(values: number[], axis: AxisSpec, from: number, to: number): Scale {
  const usable = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  if (axis.log) {
    const lo = Math.min(...usable, ...(axis.min !== undefined && axis.min > 0 ? [axis.min] : []));
    const hi = Math.max(...usable, ...(axis.max !== undefined ? [axis.max] : []));
    const ticks = usable.length ? logTicks(lo, hi) : [1, 10];
    const [a, b] = [Math.log10(ticks[0]), Math.log10(ticks[ticks.length - 1])];
    const span = b - a || 1;
    return { ticks, map: (v) => from + ((Math.log10(v) - a) / span) * (to - from), ok: (v) => v > 0 };
  }
  const all = [...usable, ...(axis.min !== undefined ? [axis.min] : []), ...(axis.max !== undefined ? [axis.max] : [])];
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  // 4% headroom, so that a threshold or the highest point does not sit on the frame's top edge.
  const ticks = all.length ? niceTicks(lo, hi + (hi - lo) * 0.04) : [0, 1];
  const [a, b] = [ticks[0], ticks[ticks.length - 1]];
  const span = b - a || 1;
  return { ticks, map: (v) => from + ((v - a) / span) * (to - from), ok: (v) => Number.isFinite(v) };
}

function text(
  x: number,
  y: number,
  content: string,
  attrs: { anchor?: 'start' | 'middle' | 'end'; size?: number; weight?: string; fill?: string; rotate?: number } = {},
): string {
  const rotate = attrs.rotate ? ` transform="rotate(${attrs.rotate} ${r(x)} ${r(y)})"` : '';
  return (
    `<text x="${r(x)}" y="${r(y)}" ${FONT} font-size="${attrs.size ?? 11}" text-anchor="${attrs.anchor ?? 'start'}"` +
    `${attrs.weight ? ` font-weight="${attrs.weight}"` : ''} fill="${attrs.fill ?? '#222'}"${rotate}>` +
    `${escapeXml(content)}</text>`
  );
}

const r = (n: number) => Math.round(n * 10) / 10;

function frame(width: number, height: number, title: string, subtitle: string | undefined, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    text(width / 2, 22, title, { anchor: 'middle', size: 15, weight: 'bold' }),
    ...(subtitle ? [text(width / 2, 39, subtitle, { anchor: 'middle', size: 11, fill: '#555' })] : []),
    ...body,
    '</svg>',
  ].join('\n');
}

/** Legend entries in rows along the bottom. */
function legend(
  entries: { name: string; color: string; dashed?: boolean; bar?: boolean }[],
  width: number,
  y: number,
): string[] {
  const out: string[] = [];
  const itemWidth = (name: string) => 34 + name.length * 6.2;
  let x = MARGIN.left;
  let row = y;
  for (const e of entries) {
    if (x + itemWidth(e.name) > width - 10 && x > MARGIN.left) {
      x = MARGIN.left;
      row += 16;
    }
    out.push(
      e.bar
        ? `<rect x="${r(x)}" y="${r(row - 8)}" width="18" height="10" fill="${e.color}"/>`
        : `<line x1="${r(x)}" y1="${r(row - 3)}" x2="${r(x + 18)}" y2="${r(row - 3)}" stroke="${e.color}" ` +
            `stroke-width="2.5"${e.dashed ? ' stroke-dasharray="6 3"' : ''}/>`,
      text(x + 24, row, e.name, { size: 11 }),
    );
    x += itemWidth(e.name);
  }
  return out;
}

function leftAxis(s: Scale, x0: number, x1: number, label: string, top: number, bottom: number): string[] {
  const out = [`<line x1="${x0}" y1="${top}" x2="${x0}" y2="${bottom}" stroke="#333"/>`];
  for (const t of s.ticks) {
    const y = s.map(t);
    out.push(
      `<line x1="${x0}" y1="${r(y)}" x2="${x1}" y2="${r(y)}" stroke="#e5e5e5"/>`,
      `<line x1="${x0 - 4}" y1="${r(y)}" x2="${x0}" y2="${r(y)}" stroke="#333"/>`,
      text(x0 - 7, y + 4, formatNumber(t, true), { anchor: 'end', size: 10 }),
    );
  }
  out.push(text(16, (top + bottom) / 2, label, { anchor: 'middle', size: 11, rotate: -90 }));
  return out;
}

function rightAxis(s: Scale, x: number, label: string, top: number, bottom: number, width: number): string[] {
  const out = [`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#333"/>`];
  for (const t of s.ticks) {
    const y = s.map(t);
    out.push(
      `<line x1="${x}" y1="${r(y)}" x2="${x + 4}" y2="${r(y)}" stroke="#333"/>`,
      text(x + 7, y + 4, formatNumber(t, true), { size: 10 }),
    );
  }
  out.push(text(width - 14, (top + bottom) / 2, label, { anchor: 'middle', size: 11, rotate: 90 }));
  return out;
}

function thresholdLines(
  thresholds: Threshold[],
  pick: (t: Threshold) => Scale | undefined,
  x0: number,
  x1: number,
): string[] {
  const out: string[] = [];
  for (const t of thresholds) {
    const s = pick(t);
    if (!s || !s.ok(t.y)) continue;
    const y = s.map(t.y);
    const color = t.color ?? '#999';
    out.push(
      `<line x1="${x0}" y1="${r(y)}" x2="${x1}" y2="${r(y)}" stroke="${color}" stroke-width="1.2" stroke-dasharray="2 3"/>`,
      text(x1 - 4, y - 4, t.label, { anchor: 'end', size: 10, fill: color }),
    );
  }
  return out;
}

/** A line chart with markers at each point. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 420;
  const [x0, x1] = [MARGIN.left, width - (spec.y2 ? MARGIN.right : 24)];
  const [top, bottom] = [MARGIN.top, height - MARGIN.bottom];
  const onAxis = (axis: 'left' | 'right' | undefined) => (axis === 'right' ? 'right' : 'left');
  const ys = (side: 'left' | 'right') => [
    ...spec.series
      .filter((s) => onAxis(s.axis) === side)
      .flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null)),
    ...(spec.thresholds ?? []).filter((t) => onAxis(t.axis) === side).map((t) => t.y),
  ];
  const xs = scale(
    spec.series.flatMap((s) => s.points.map((p) => p[0])),
    spec.x,
    x0,
    x1,
  );
  const yl = scale(ys('left'), spec.y, bottom, top);
  const yr = spec.y2 ? scale(ys('right'), spec.y2, bottom, top) : undefined;

  const body: string[] = [...leftAxis(yl, x0, x1, spec.y.label, top, bottom)];
  if (yr && spec.y2) body.push(...rightAxis(yr, x1, spec.y2.label, top, bottom, width));
  body.push(`<line x1="${x0}" y1="${bottom}" x2="${x1}" y2="${bottom}" stroke="#333"/>`);
  for (const t of xs.ticks) {
    const x = xs.map(t);
    body.push(
      `<line x1="${r(x)}" y1="${bottom}" x2="${r(x)}" y2="${bottom + 4}" stroke="#333"/>`,
      text(x, bottom + 17, formatNumber(t, true), { anchor: 'middle', size: 10 }),
    );
  }
  body.push(text((x0 + x1) / 2, bottom + 36, spec.x.label, { anchor: 'middle', size: 11 }));
  body.push(...thresholdLines(spec.thresholds ?? [], (t) => (onAxis(t.axis) === 'right' ? yr : yl), x0, x1));

  const colors = spec.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  spec.series.forEach((s, i) => {
    const ys = onAxis(s.axis) === 'right' ? yr : yl;
    if (!ys) return;
    const color = colors[i];
    const segments: string[][] = [[]];
    const dots: string[] = [];
    for (const [x, y] of s.points) {
      if (y === null || !ys.ok(y) || !xs.ok(x)) {
        segments.push([]);
        continue;
      }
      const [px, py] = [xs.map(x), ys.map(y)];
      segments[segments.length - 1].push(`${r(px)},${r(py)}`);
      dots.push(`<circle cx="${r(px)}" cy="${r(py)}" r="3" fill="${color}"/>`);
    }
    for (const seg of segments.filter((g) => g.length > 1))
      body.push(
        `<polyline points="${seg.join(' ')}" fill="none" stroke="${color}" stroke-width="2"` +
          `${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`,
      );
    body.push(...dots);
  });
  body.push(
    ...legend(
      spec.series.map((s, i) => ({
        name: s.axis === 'right' && spec.y2 ? `${s.name} (right axis)` : s.name,
        color: colors[i],
        dashed: s.dashed,
      })),
      width,
      bottom + 58,
    ),
  );
  return frame(width, height, spec.title, spec.subtitle, body);
}

/** A grouped bar chart: one group per category, one bar per series. */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 420;
  const [x0, x1] = [MARGIN.left, width - 24];
  const [top, bottom] = [MARGIN.top, height - MARGIN.bottom];
  const values = spec.series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const ys = scale([...values, ...(spec.thresholds ?? []).map((t) => t.y)], { min: 0, ...spec.y }, bottom, top);
  const body: string[] = [...leftAxis(ys, x0, x1, spec.y.label, top, bottom)];
  body.push(`<line x1="${x0}" y1="${bottom}" x2="${x1}" y2="${bottom}" stroke="#333"/>`);
  const groupWidth = (x1 - x0) / Math.max(1, spec.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, spec.series.length);
  const colors = spec.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const base = spec.y.log ? bottom : ys.map(Math.max(0, ys.ticks[0]));
  spec.categories.forEach((category, c) => {
    const gx = x0 + c * groupWidth + groupWidth * 0.1;
    spec.series.forEach((s, i) => {
      const v = s.values[c];
      if (v === null || v === undefined || !ys.ok(v)) return;
      const y = ys.map(v);
      const bx = gx + i * barWidth;
      body.push(
        `<rect x="${r(bx + 1)}" y="${r(Math.min(y, base))}" width="${r(Math.max(1, barWidth - 2))}" ` +
          `height="${r(Math.abs(base - y))}" fill="${colors[i]}"/>`,
      );
      if (spec.valueLabels !== false)
        body.push(text(bx + barWidth / 2, Math.min(y, base) - 4, formatNumber(v, true), { anchor: 'middle', size: 9 }));
    });
    body.push(text(x0 + (c + 0.5) * groupWidth, bottom + 17, category, { anchor: 'middle', size: 10 }));
  });
  body.push(...thresholdLines(spec.thresholds ?? [], () => ys, x0, x1));
  body.push(
    ...legend(
      spec.series.map((s, i) => ({ name: s.name, color: colors[i], bar: true })),
      width,
      bottom + 58,
    ),
  );
  return frame(width, height, spec.title, spec.subtitle, body);
}

/** Several charts (SVG documents from this module) side by side, `columns` to a row, in one SVG. */
export function panels(charts: string[], columns = 2): string {
  const sized = charts.map((svg) => {
    const m = /<svg[^>]*\bwidth="(\d+(?:\.\d+)?)"[^>]*\bheight="(\d+(?:\.\d+)?)"/.exec(svg);
    return { svg, width: m ? Number(m[1]) : 720, height: m ? Number(m[2]) : 420 };
  });
  const rows: (typeof sized)[] = [];
  for (let i = 0; i < sized.length; i += columns) rows.push(sized.slice(i, i + columns));
  const width = Math.max(...rows.map((row) => row.reduce((w, c) => w + c.width, 0)), 1);
  const height = rows.reduce((h, row) => h + Math.max(...row.map((c) => c.height)), 0);
  const body: string[] = [];
  let y = 0;
  for (const row of rows) {
    let x = 0;
    for (const c of row) {
      body.push(c.svg.replace(/^<svg /, `<svg x="${x}" y="${y}" `));
      x += c.width;
    }
    y += Math.max(...row.map((c) => c.height));
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}
