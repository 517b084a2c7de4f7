/**
 * Inline SVG charts for the sweep report, written as plain markup so the page
 * needs no script, font or stylesheet from anywhere: a line chart with error
 * bars (optionally on a log x axis), a bar chart with error bars, and curves.
 * Either chart can draw a line at y = 0, for differences from a baseline.
 */
import { escapeXml } from '../vis/svg_text.js';

export interface XYPoint {
  x: number;
  y: number;
  /** Half-length of the error bar (a std, or a confidence interval's half-width); 0 draws none. */
  err?: number;
  /** An open marker instead of a filled one (a difference whose interval includes 0). */
  open?: boolean;
  /** Appended to the point's tooltip. */
  note?: string;
}

export interface Series {
  name: string;
  points: XYPoint[];
  /** Place in the palette (default: the series' index), so that a series keeps its colour across charts. */
  colorIndex?: number;
  /** Drawn thin and translucent, without a legend entry: the raw curve behind a smoothed one. */
  faint?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  /** Draw markers and error bars (line charts of results) rather than bare lines (curves). */
  markers?: boolean;
  /** Include y = 0 in the axis and draw a line there. */
  zeroLine?: boolean;
}

const W = 600;
const H = 340;
const M = { left: 64, right: 150, top: 34, bottom: 52 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function fmt(v: number): string {
  return Number(v.toFixed(2)).toString();
}

/** About five round ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A log-axis label: 2^k or 10^k when the value is one, else the number. */
function logLabel(x: number): string {
  for (const base of [2, 10]) {
    const e = Math.log(x) / Math.log(base);
    if (Math.abs(e - Math.round(e)) < 1e-9) {
      const k = Math.round(e);
      return `${base}<tspan dy="-7" font-size="9">${k < 0 ? '−' : ''}${Math.abs(k)}</tspan>`;
    }
  }
  return escapeXml(fmt(x));
}

function extent(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  // Equal up to rounding (a smoothed constant): a range that narrow has no ticks to step through.
  if (hi - lo <= 1e-9 * Math.max(Math.abs(lo), Math.abs(hi))) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

export function lineChart(series: Series[], o: ChartOptions): string {
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return '';
  const tx = (x: number): number => (o.logX ? Math.log(x) : x);
  const [x0, x1] = extent(pts.map((p) => tx(p.x)));
  const [y0, y1] = extent([...(o.zeroLine ? [0] : []), ...pts.flatMap((p) => [p.y - (p.err ?? 0), p.y + (p.err ?? 0)])]);
  const px = (x: number): number => M.left + ((tx(x) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number): number => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  const xTicks = o.logX || o.markers ? [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b) : niceTicks(x0, x1);
  parts.push(`<g class="axis x-axis${o.logX ? ' log' : ''}">`);
  parts.push(`<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#333"/>`);
  for (const x of xTicks) {
    const X = px(x).toFixed(1);
    parts.push(`<line x1="${X}" y1="${H - M.bottom}" x2="${X}" y2="${H - M.bottom + 5}" stroke="#333"/>`);
    parts.push(`<text class="tick-label" data-value="${x}" x="${X}" y="${H - M.bottom + 20}" text-anchor="middle" font-size="12">${o.logX ? logLabel(x) : escapeXml(fmt(x))}</text>`);
  }
  parts.push(`<text class="axis-title" x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" font-size="13">${escapeXml(o.xLabel)}${o.logX ? ' (log scale)' : ''}</text></g>`);
  parts.push('<g class="axis y-axis">');
  parts.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#333"/>`);
  for (const y of niceTicks(y0, y1)) {
    const Y = py(y).toFixed(1);
    parts.push(`<line x1="${M.left - 5}" y1="${Y}" x2="${W - M.right}" y2="${Y}" stroke="#ddd"/>`);
    parts.push(`<text class="tick-label" x="${M.left - 8}" y="${Y}" dy="4" text-anchor="end" font-size="11">${escapeXml(fmt(y))}</text>`);
  }
  parts.push(`<text class="axis-title" transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="13">${escapeXml(o.yLabel)}</text></g>`);
  if (o.zeroLine) parts.push(zeroLine(py(0), M.left, W - M.right));
  let legend = 0;
  series.forEach((s, i) => {
    const color = paletteColor(s.colorIndex ?? i);
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    const line = sorted.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    if (s.faint) {
      parts.push(`<g class="series raw" data-name="${escapeXml(s.name)}"><polyline fill="none" stroke="${color}" stroke-width="1" stroke-opacity="0.25" points="${line}"/></g>`);
      return;
    }
    parts.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="${o.markers ? 2 : 1.5}" points="${line}"/>`);
    if (o.markers) {
      for (const p of sorted) {
        const X = px(p.x).toFixed(1);
        if ((p.err ?? 0) > 0) {
          const a = py(p.y - p.err!).toFixed(1);
          const b = py(p.y + p.err!).toFixed(1);
          parts.push(`<path class="errorbar" d="M${X} ${a}V${b}M${(+X - 5).toFixed(1)} ${a}h10M${(+X - 5).toFixed(1)} ${b}h10" stroke="${color}" fill="none"/>`);
        }
        const fill = p.open ? `fill="#fff" stroke="${color}" stroke-width="2"` : `fill="${color}"`;
        parts.push(`<circle class="point${p.open ? ' open' : ''}" cx="${X}" cy="${py(p.y).toFixed(1)}" r="4" ${fill}><title>${escapeXml(`${s.name} ${fmt(p.x)}: ${p.y.toFixed(4)}${p.err ? ` ± ${p.err.toFixed(4)}` : ''}${p.note ? `, ${p.note}` : ''}`)}</title></circle>`);
      }
    }
    parts.push(`<text x="${W - M.right + 10}" y="${M.top + 16 * legend++ + 8}" font-size="12" fill="${color}">${escapeXml(s.name)}</text></g>`);
  });
  return svg(o.title, parts);
}

export interface Bar {
  label: string;
  value: number;
  /** Half-length of the error bar; 0 draws none. */
  err: number;
  /** Place in the palette: the row's colour, the same in every chart. */
  colorIndex: number;
  /** Outlined instead of filled: a difference whose interval includes 0 (as open markers in line charts). */
  open?: boolean;
  /** A bold label: the best row. */
  bold?: boolean;
  /** Appended to the bar's tooltip. */
  note?: string;
}

export function barChart(bars: Bar[], o: Pick<ChartOptions, 'title' | 'yLabel' | 'zeroLine'>): string {
  if (bars.length === 0) return '';
  // Room below the bars for the slanted labels.
  const B = 110;
  const [lo, hi] = extent([0, ...bars.flatMap((b) => [b.value - b.err, b.value + b.err])]);
  const y0 = Math.min(0, lo);
  const py = (y: number): number => H - B - ((y - y0) / (hi - y0)) * (H - M.top - B);
  const slot = (W - M.left - 20) / bars.length;
  const parts: string[] = ['<g class="axis y-axis">'];
  for (const y of niceTicks(y0, hi)) {
    const Y = py(y).toFixed(1);
    parts.push(`<line x1="${M.left - 5}" y1="${Y}" x2="${W - 20}" y2="${Y}" stroke="#ddd"/><text class="tick-label" x="${M.left - 8}" y="${Y}" dy="4" text-anchor="end" font-size="11">${escapeXml(fmt(y))}</text>`);
  }
  parts.push(`<text class="axis-title" transform="translate(14 ${(M.top + H - B) / 2}) rotate(-90)" text-anchor="middle" font-size="13">${escapeXml(o.yLabel)}</text></g>`);
  bars.forEach((b, i) => {
    const x = M.left + slot * i + slot * 0.15;
    const w = slot * 0.7;
    const top = py(Math.max(b.value, 0));
    const h = Math.abs(py(b.value) - py(0));
    parts.push(`<rect class="bar" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" ${barFill(b)}><title>${escapeXml(`${b.label}: ${b.value.toFixed(4)} ± ${b.err.toFixed(4)}${b.note ? `, ${b.note}` : ''}`)}</title></rect>`);
    const cx = (x + w / 2).toFixed(1);
    if (b.err > 0) parts.push(`<path class="errorbar" d="M${cx} ${py(b.value - b.err).toFixed(1)}V${py(b.value + b.err).toFixed(1)}" stroke="#000" fill="none"/>`);
    const ly = H - B + 14;
    parts.push(`<text class="tick-label" x="${cx}" y="${ly}" transform="rotate(-25 ${cx} ${ly})" text-anchor="end" font-size="10"${b.bold ? ' font-weight="bold"' : ''}>${escapeXml(b.label)}</text>`);
  });
  if (o.zeroLine) parts.push(zeroLine(py(0), M.left, W - 20));
  return svg(o.title, parts);
}

function barFill(b: Bar): string {
  const color = paletteColor(b.colorIndex);
  return b.open ? `fill="#fff" stroke="${color}" stroke-width="2"` : `fill="${color}"`;
}

/** The colour of palette place `i`: a row's (or series') identity, never a judgement. */
export function paletteColor(i: number): string {
  return COLORS[i % COLORS.length];
}

function zeroLine(y: number, x0: number, x1: number): string {
  return `<line class="zero-line" x1="${x0}" y1="${y.toFixed(1)}" x2="${x1}" y2="${y.toFixed(1)}" stroke="#555" stroke-dasharray="4 3"/>`;
}

function svg(title: string, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img" aria-label="${escapeXml(title)}"><text x="${M.left}" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>${parts.join('')}</svg>`;
}
