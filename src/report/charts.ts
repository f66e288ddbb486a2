// Inline SVG line charts for report.html: no chart library and no network, so the report stays one
// self-contained file that renders the same offline, in a mail client or on a phone.
import type { Points } from "../engine/result.ts";

export interface ChartSeries {
  name: string;
  points: Points;
}

export interface ChartMark {
  at: number;
  label: string;
  kind: "inject" | "detect" | "ack" | "ack-synthetic" | "decision" | "recover";
}

/** A single reading called out on the chart; a null value (it never happened) sits on the top edge. */
export interface ChartDot {
  at: number;
  value: number | null;
  kind: "point" | "current" | "baseline";
  label: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  from: number;
  to: number;
  series: ChartSeries[];
  /** Shaded intervals: fault windows. */
  windows: Array<{ from: number; to: number; label: string }>;
  marks: ChartMark[];
  formatY: (v: number) => string;
  /** Shaded value ranges across the whole plot: a noise band. */
  bands?: Array<{ lo: number; hi: number; label: string }>;
  dots?: ChartDot[];
  /** X-axis labels; by default four evenly spaced UTC clock times, which suit a scenario's minutes. */
  xTicks?: Array<{ at: number; label: string }>;
  /** Pixel height of the drawing (width is fixed, the page scales it); 240 by default. */
  height?: number;
}

const W = 480;
const H_DEFAULT = 240;
const M = { l: 58, r: 10, t: 40, b: 26 };
const COLORS = ["#1f6feb", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#0b7285"];
const MARK_COLORS: Record<ChartMark["kind"], string> = {
  inject: "#c92a2a",
  detect: "#e67700",
  ack: "#5f3dc4",
  "ack-synthetic": "#868e96",
  decision: "#0b7285",
  recover: "#2b8a3e",
};
// The current run stands out filled; the baseline is a ring, so both show when they coincide.
const DOT_LOOK: Record<ChartDot["kind"], { r: number; fill: string; stroke: string }> = {
  point: { r: 2.5, fill: COLORS[0]!, stroke: "none" },
  current: { r: 5, fill: COLORS[1]!, stroke: "#fff" },
  baseline: { r: 7, fill: "none", stroke: "#212529" },
};

export function chartSvg(spec: ChartSpec): string {
  const H = spec.height ?? H_DEFAULT;
  const span = Math.max(1, spec.to - spec.from);
  const plotW = W - M.l - M.r;
  const plotH = H - M.t - M.b;
  const bands = spec.bands ?? [];
  const dots = spec.dots ?? [];
  const all = spec.series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  // A band or a called-out reading above every line must still fit inside the plot.
  const extra = [...bands.map((b) => b.hi), ...dots.map((d) => d.value ?? Number.NaN)].filter(
    Number.isFinite,
  );
  const yMax = niceMax(Math.max(0, ...all, ...extra));
  const x = (t: number) => M.l + ((clamp(t, spec.from, spec.to) - spec.from) / span) * plotW;
  const y = (v: number) => M.t + plotH - (Math.max(0, v) / yMax) * plotH;
  const out: string[] = [];
  out.push(
    `<svg class="chart" data-chart="${esc(spec.id)}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(spec.title)}" xmlns="http://www.w3.org/2000/svg">`,
  );
  out.push(`<text class="chart-title" x="${M.l}" y="14">${esc(spec.title)}</text>`);
  spec.series.forEach((s, i) => {
    if (spec.series.length < 2) return;
    out.push(
      `<text class="legend" x="${M.l + i * 90}" y="30" style="fill:${COLORS[i % COLORS.length]}">■ ${esc(s.name)}</text>`,
    );
  });
  for (const w of spec.windows) {
    const x0 = x(w.from);
    const x1 = Math.max(x(w.to), x0 + 1);
    out.push(
      `<rect class="fault-window" x="${r(x0)}" y="${M.t}" width="${r(x1 - x0)}" height="${plotH}"><title>${esc(w.label)}</title></rect>`,
    );
  }
  for (const b of bands) {
    const y0 = y(Math.min(b.hi, yMax));
    const y1 = y(b.lo);
    if (!(y1 > y0)) continue;
    out.push(
      `<rect class="band" x="${M.l}" y="${r(y0)}" width="${plotW}" height="${r(y1 - y0)}" fill="#a5d8ff" fill-opacity="0.45"><title>${esc(b.label)}</title></rect>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const gy = r(y(v));
    out.push(`<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${gy}" y2="${gy}"/>`);
    out.push(
      `<text class="axis" x="${M.l - 4}" y="${gy + 4}" text-anchor="end">${esc(spec.formatY(v))}</text>`,
    );
  }
  const xTicks =
    spec.xTicks?.map((tick) => ({
      ...tick,
      anchor: tick.at <= spec.from ? "start" : tick.at >= spec.to ? "end" : "middle",
    })) ??
    [0, 1, 2, 3].map((i) => {
      const t = spec.from + (span * i) / 3;
      return {
        at: t,
        label: new Date(t).toISOString().slice(11, 19),
        anchor: i === 0 ? "start" : i === 3 ? "end" : "middle",
      };
    });
  for (const { anchor, ...tick } of xTicks) {
    out.push(
      `<text class="axis" x="${r(x(tick.at))}" y="${H - 8}" text-anchor="${anchor}">${esc(tick.label)}</text>`,
    );
  }
  if (!all.length && !dots.length) {
    out.push(
      `<text class="no-data" x="${M.l + plotW / 2}" y="${M.t + plotH / 2}" text-anchor="middle">no data recorded</text>`,
    );
  }
  spec.series.forEach((s, i) => {
    const pts = s.points.filter(([, v]) => Number.isFinite(v));
    if (!pts.length) return;
    const d = pts.map(([t, v]) => `${r(x(t))},${r(y(v))}`).join(" ");
    out.push(
      `<polyline class="series" data-series="${esc(s.name)}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${d}"/>`,
    );
  });
  for (const d of dots) {
    const dx = r(x(d.at));
    const title = `<title>${esc(d.label)}</title>`;
    if (d.value === null || !Number.isFinite(d.value)) {
      // Nothing to plot, yet "never happened" is the loudest reading a series can have.
      const dy = M.t + 6;
      out.push(
        `<path class="dot dot-${d.kind} dot-never" d="M${dx - 4},${dy - 4}L${dx + 4},${dy + 4}M${dx - 4},${dy + 4}L${dx + 4},${dy - 4}" stroke="${MARK_COLORS.inject}" stroke-width="${d.kind === "point" ? 2 : 3}">${title}</path>`,
      );
      continue;
    }
    const look = DOT_LOOK[d.kind];
    out.push(
      `<circle class="dot dot-${d.kind}" cx="${dx}" cy="${r(y(d.value))}" r="${look.r}" fill="${look.fill}" stroke="${look.stroke}" stroke-width="2">${title}</circle>`,
    );
  }
  spec.marks
    .filter((m) => m.at >= spec.from && m.at <= spec.to)
    .forEach((m, i) => {
      const mx = r(x(m.at));
      const color = MARK_COLORS[m.kind];
      out.push(
        `<line class="mark mark-${m.kind}" x1="${mx}" x2="${mx}" y1="${M.t}" y2="${M.t + plotH}" stroke="${color}" stroke-dasharray="4 3"><title>${esc(m.label)}</title></line>`,
      );
      // Stagger labels so marks a few seconds apart stay readable.
      out.push(
        `<text class="mark-label" x="${mx + 3}" y="${M.t + 12 + (i % 4) * 13}" style="fill:${color}">${esc(m.label)}</text>`,
      );
    });
  out.push("</svg>");
  return out.join("");
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v * 1.1));
  for (const k of [1, 2, 2.5, 5, 10]) if (k * p >= v * 1.1) return k * p;
  return 10 * p;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function r(n: number): number {
  return Math.round(n * 10) / 10;
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
