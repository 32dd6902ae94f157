// Charts as standalone SVG text: panels with linear or log axes, marked series, reference lines and
// labelled spans, so reports carry pictures without a browser or a plotting library.

export type Marker = 'circle' | 'square' | 'diamond' | 'triangle';

export interface ChartPoint {
  x: number;
  /** NaN: no value here (a gap in the line, no marker). */
  y: number;
  /** Written beside the marker. */
  label?: string;
}

export interface ChartSeries {
  name: string;
  color: string;
  marker: Marker;
  points: ChartPoint[];
  /** Joins the points with a line (per-epoch curves). */
  line?: boolean;
}

export interface ChartAxis {
  label: string;
  log?: boolean;
  /** The domain; without them it is fitted to the data (whole decades on a log axis). */
  min?: number;
  max?: number;
  /** Ticks at whole numbers only (epochs). */
  integer?: boolean;
  format?: (value: number) => string;
}

/** A line across the panel at one value: a model known only by its speed, or a teacher's accuracy. */
export interface ReferenceLine {
  axis: 'x' | 'y';
  value: number;
  label: string;
  color: string;
  /** Also listed in the legend under this name. */
  legend?: string;
}

/** A labelled arrow between two points of a panel (e.g. "1,234× faster"). */
export interface ChartSpan {
  from: { x: number; y: number };
  to: { x: number; y: number };
  label: string;
  color: string;
}

export interface ChartPanel {
  title?: string;
  x: ChartAxis;
  y: ChartAxis;
  series: ChartSeries[];
  references?: ReferenceLine[];
  spans?: ChartSpan[];
  /** A short remark in the plot's corner (e.g. why points are missing). */
  note?: string;
}

export interface Chart {
  title: string;
  subtitle?: string;
  panels: ChartPanel[];
  /** Whole picture width in pixels (default 760, readable at README width); panels share it side by side. */
  width?: number;
  panelHeight?: number;
}

const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const MARGIN = { left: 64, right: 24, bottom: 52 };

export function renderChart(chart: Chart): string {
  const width = chart.width ?? 760;
  const panelHeight = chart.panelHeight ?? 340;
  const legendItems = legendEntries(chart.panels);
  const legendRows = layoutLegend(legendItems, width - 32);
  const headerHeight = 28 + (chart.subtitle ? 20 : 0) + legendRows.length * 20 + 8;
  const height = Math.round(headerHeight + panelHeight);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="13" role="img" aria-label="${esc(chart.title)}">`,
    `<title>${esc(chart.title)}</title>`,
    // An opaque background keeps the picture readable on dark pages.
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="16" y="22" font-size="16" font-weight="600" fill="#1f2328">${esc(chart.title)}</text>`,
  );
  if (chart.subtitle)
    out.push(`<text class="subtitle" x="16" y="42" font-size="12" fill="#59636e">${esc(chart.subtitle)}</text>`);
  let legendY = 28 + (chart.subtitle ? 20 : 0) + 14;
  for (const row of legendRows) {
    for (const item of row) out.push(legendItem(item, item.x + 16, legendY));
    legendY += 20;
  }
  const panelWidth = width / chart.panels.length;
  chart.panels.forEach((panel, i) =>
    out.push(renderPanel(panel, i * panelWidth, headerHeight, panelWidth, panelHeight)),
  );
  out.push('</svg>');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${out.join('\n')}\n`;
}

interface LegendEntry {
  name: string;
  color: string;
  marker: Marker | 'line';
  width: number;
  x: number;
}

function legendEntries(panels: ChartPanel[]): LegendEntry[] {
  const seen = new Map<string, LegendEntry>();
  for (const p of panels) {
    for (const s of p.series)
      if (!seen.has(s.name)) seen.set(s.name, { name: s.name, color: s.color, marker: s.marker, width: 0, x: 0 });
    for (const r of p.references ?? [])
      if (r.legend && !seen.has(r.legend))
        seen.set(r.legend, { name: r.legend, color: r.color, marker: 'line', width: 0, x: 0 });
  }
  return [...seen.values()].map((e) => ({ ...e, width: 28 + textWidth(e.name, 12) + 22 }));
}

function layoutLegend(items: LegendEntry[], maxWidth: number): LegendEntry[][] {
  const rows: LegendEntry[][] = [];
  let row: LegendEntry[] = [];
  let x = 0;
  for (const item of items) {
    if (row.length && x + item.width > maxWidth) {
      rows.push(row);
      row = [];
      x = 0;
    }
    row.push({ ...item, x });
    x += item.width;
  }
  if (row.length) rows.push(row);
  return rows;
}

function legendItem(item: LegendEntry, x: number, y: number): string {
  const swatch =
    item.marker === 'line'
      ? `<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${item.color}" stroke-width="2" stroke-dasharray="5 4"/>`
      : `<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${item.color}" stroke-width="2" opacity="0.35"/>${marker(item.marker, x + 11, y - 4, item.color)}`;
  return `<g class="legend-item" data-series="${esc(item.name)}">${swatch}<text x="${x + 28}" y="${y}" font-size="12" fill="#1f2328">${esc(item.name)}</text></g>`;
}

function renderPanel(panel: ChartPanel, left: number, top: number, width: number, height: number): string {
  // Room above the plot for a panel title, or just enough for the first tick label.
  const plot = {
    x0: left + MARGIN.left,
    x1: left + width - MARGIN.right,
    y0: top + height - MARGIN.bottom,
    y1: top + (panel.title ? 28 : 10),
  };
  const xs = [
    ...panel.series.flatMap((s) => s.points.map((p) => p.x)),
    ...(panel.references ?? []).filter((r) => r.axis === 'x').map((r) => r.value),
  ];
  const ys = [
    ...panel.series.flatMap((s) => s.points.map((p) => p.y)),
    ...(panel.references ?? []).filter((r) => r.axis === 'y').map((r) => r.value),
  ];
  const xScale = makeScale(panel.x, xs, plot.x0, plot.x1);
  const yScale = makeScale(panel.y, ys, plot.y0, plot.y1);
  const out: string[] = [`<g class="panel">`];
  if (panel.title)
    out.push(
      `<text class="panel-title" x="${f(plot.x0)}" y="${f(top + 16)}" font-size="13" font-weight="600" fill="#1f2328">${esc(panel.title)}</text>`,
    );

  // Grid and ticks first, so that the data draws over them.
  for (const v of xScale.minor)
    out.push(
      `<line class="grid minor" x1="${f(xScale.at(v))}" y1="${f(plot.y1)}" x2="${f(xScale.at(v))}" y2="${f(plot.y0)}" stroke="#eaeef2" stroke-width="1"/>`,
    );
  for (const v of xScale.ticks) {
    const x = xScale.at(v);
    out.push(
      `<g class="tick x" data-value="${v}"><line x1="${f(x)}" y1="${f(plot.y1)}" x2="${f(x)}" y2="${f(plot.y0)}" stroke="#d0d7de" stroke-width="1"/>` +
        `<text x="${f(x)}" y="${f(plot.y0 + 18)}" text-anchor="middle" fill="#59636e">${esc(xScale.format(v))}</text></g>`,
    );
  }
  for (const v of yScale.ticks) {
    const y = yScale.at(v);
    out.push(
      `<g class="tick y" data-value="${v}"><line x1="${f(plot.x0)}" y1="${f(y)}" x2="${f(plot.x1)}" y2="${f(y)}" stroke="#d0d7de" stroke-width="1"/>` +
        `<text x="${f(plot.x0 - 8)}" y="${f(y + 4)}" text-anchor="end" fill="#59636e">${esc(yScale.format(v))}</text></g>`,
    );
  }
  out.push(
    `<rect class="plot-area" x="${f(plot.x0)}" y="${f(plot.y1)}" width="${f(plot.x1 - plot.x0)}" height="${f(plot.y0 - plot.y1)}" fill="none" stroke="#8c959f" stroke-width="1"/>`,
    `<text class="axis-label x" x="${f((plot.x0 + plot.x1) / 2)}" y="${f(plot.y0 + 40)}" text-anchor="middle" fill="#1f2328">${esc(panel.x.label)}</text>`,
    `<text class="axis-label y" x="${f(left + 16)}" y="${f((plot.y0 + plot.y1) / 2)}" text-anchor="middle" fill="#1f2328" transform="rotate(-90 ${f(left + 16)} ${f((plot.y0 + plot.y1) / 2)})">${esc(panel.y.label)}</text>`,
  );

  for (const r of panel.references ?? []) {
    const lines = r.label.split('\n');
    if (r.axis === 'x') {
      const x = xScale.at(r.value);
      // The label sits right of the line unless that would leave the plot.
      const rightward = x + 6 + Math.max(...lines.map((l) => textWidth(l, 11))) <= plot.x1;
      const tx = rightward ? x + 6 : x - 6;
      out.push(
        `<g class="reference x" data-name="${esc(r.legend ?? r.label)}" data-value="${r.value}"><line x1="${f(x)}" y1="${f(plot.y1)}" x2="${f(x)}" y2="${f(plot.y0)}" stroke="${r.color}" stroke-width="2" stroke-dasharray="6 4"/>` +
          `<text x="${f(tx)}" y="${f(plot.y1 + 14)}" font-size="11" fill="${r.color}" text-anchor="${rightward ? 'start' : 'end'}">${tspans(lines, tx)}</text></g>`,
      );
    } else {
      const y = yScale.at(r.value);
      out.push(
        `<g class="reference y" data-name="${esc(r.legend ?? r.label)}" data-value="${r.value}"><line x1="${f(plot.x0)}" y1="${f(y)}" x2="${f(plot.x1)}" y2="${f(y)}" stroke="${r.color}" stroke-width="2" stroke-dasharray="6 4"/>` +
          // Below the line when above it would touch the frame.
          `<text x="${f(plot.x1 - 4)}" y="${f(y - plot.y1 < 16 ? y + 14 : y - 5)}" font-size="11" fill="${r.color}" text-anchor="end">${esc(lines.join(' '))}</text></g>`,
      );
    }
  }

  for (const s of panel.spans ?? []) {
    const x1 = xScale.at(s.from.x);
    const x2 = xScale.at(s.to.x);
    const y1 = yScale.at(s.from.y);
    const y2 = yScale.at(s.to.y);
    const angle = Math.atan2(y2 - y1, x2 - x1);
    // The arrow stops short of the marker it points at.
    const ex = x2 - 9 * Math.cos(angle);
    const ey = y2 - 9 * Math.sin(angle);
    const head = [angle + 2.6, angle - 2.6].map((a) => `${f(ex + 9 * Math.cos(a))},${f(ey + 9 * Math.sin(a))}`);
    out.push(
      `<g class="span" data-label="${esc(s.label)}"><line x1="${f(x1)}" y1="${f(y1)}" x2="${f(ex)}" y2="${f(ey)}" stroke="${s.color}" stroke-width="1.5"/>` +
        `<polygon points="${f(ex)},${f(ey)} ${head.join(' ')}" fill="${s.color}"/>` +
        `<text x="${f((x1 + x2) / 2)}" y="${f((y1 + y2) / 2 - 7)}" text-anchor="middle" font-size="13" font-weight="600" fill="${s.color}">${esc(s.label)}</text></g>`,
    );
  }

  for (const s of panel.series) {
    out.push(`<g class="series" data-series="${esc(s.name)}">`);
    if (s.line) {
      // A missing value breaks the line rather than bridging the gap.
      const runs: ChartPoint[][] = [[]];
      for (const p of s.points) Number.isFinite(p.y) ? runs.at(-1)!.push(p) : runs.push([]);
      for (const run of runs.filter((r) => r.length > 1)) {
        out.push(
          `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${run.map((p) => `${f(xScale.at(p.x))},${f(yScale.at(p.y))}`).join(' ')}"/>`,
        );
      }
    }
    for (const p of s.points.filter((q) => Number.isFinite(q.y))) {
      const x = xScale.at(p.x);
      const y = yScale.at(p.y);
      out.push(
        `<g class="point" data-x="${p.x}" data-y="${p.y}" data-cx="${f(x)}" data-cy="${f(y)}">${marker(s.marker, x, y, s.color)}</g>`,
      );
      if (p.label) {
        const rightward = x + 10 + textWidth(p.label, 12) <= plot.x1;
        out.push(
          `<text class="point-label" x="${f(rightward ? x + 10 : x - 10)}" y="${f(y + 4)}" font-size="12" fill="${s.color}" text-anchor="${rightward ? 'start' : 'end'}">${esc(p.label)}</text>`,
        );
      }
    }
    out.push('</g>');
  }
  if (panel.note)
    out.push(
      `<text class="note" x="${f(plot.x0 + 8)}" y="${f(plot.y0 - 8)}" font-size="11" fill="#59636e">${esc(panel.note)}</text>`,
    );
  out.push('</g>');
  return out.join('\n');
}

interface Scale {
  at: (v: number) => number;
  ticks: number[];
  minor: number[];
  format: (v: number) => string;
}

function makeScale(axis: ChartAxis, values: number[], from: number, to: number): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  let lo = axis.min ?? Math.min(...finite);
  let hi = axis.max ?? Math.max(...finite);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = axis.log ? [1, 10] : [0, 1];
  if (axis.log) {
    lo = axis.min ?? 10 ** Math.floor(Math.log10(lo));
    hi = axis.max ?? 10 ** Math.ceil(Math.log10(hi));
    if (hi <= lo) hi = lo * 10;
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const ticks: number[] = [];
    const minor: number[] = [];
    for (let e = Math.ceil(a - 1e-9); e <= Math.floor(b + 1e-9); e++) ticks.push(10 ** e);
    for (let e = Math.floor(a); e < Math.ceil(b); e++)
      for (let m = 2; m <= 9; m++) if (m * 10 ** e > lo && m * 10 ** e < hi) minor.push(m * 10 ** e);
    return {
      at: (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from),
      ticks,
      minor,
      format: axis.format ?? siNumber,
    };
  }
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const pad = axis.min === undefined || axis.max === undefined ? (hi - lo) * 0.08 : 0;
  if (axis.min === undefined) lo -= pad;
  if (axis.max === undefined) hi += pad;
  // Every whole number while they fit (epochs), else a round step.
  const step = axis.integer ? (hi - lo <= 12 ? 1 : Math.max(1, niceStep((hi - lo) / 6))) : niceStep((hi - lo) / 5);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return {
    at: (v) => from + ((v - lo) / (hi - lo)) * (to - from),
    ticks,
    minor: [],
    format: axis.format ?? ((v) => String(v)),
  };
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * power;
}

/** 1, 10, 100, 1k, 10k, 100k, 1M: tick labels for counts on a log axis. */
export function siNumber(v: number): string {
  if (v >= 1e6) return `${trim(v / 1e6)}M`;
  if (v >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

const trim = (v: number) => String(Number(v.toPrecision(3)));

function marker(kind: Marker, x: number, y: number, color: string): string {
  const stroke = `fill="${color}" stroke="#ffffff" stroke-width="1.5"`;
  switch (kind) {
    case 'circle':
      return `<circle cx="${f(x)}" cy="${f(y)}" r="6" ${stroke}/>`;
    case 'square':
      return `<rect x="${f(x - 5.5)}" y="${f(y - 5.5)}" width="11" height="11" ${stroke}/>`;
    case 'diamond':
      return `<polygon points="${f(x)},${f(y - 7.5)} ${f(x + 7.5)},${f(y)} ${f(x)},${f(y + 7.5)} ${f(x - 7.5)},${f(y)}" ${stroke}/>`;
    case 'triangle':
      return `<polygon points="${f(x)},${f(y - 7.5)} ${f(x + 7)},${f(y + 5.5)} ${f(x - 7)},${f(y + 5.5)}" ${stroke}/>`;
  }
}

function tspans(lines: string[], x: number): string {
  return lines.map((l, i) => `<tspan x="${f(x)}" dy="${i === 0 ? 0 : 13}">${esc(l)}</tspan>`).join('');
}

/** Rough width of proportional text, for placing labels without a browser to measure them. */
function textWidth(text: string, size: number): number {
  return [...text].length * size * 0.52;
}

const f = (v: number) => String(Math.round(v * 10) / 10);

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
