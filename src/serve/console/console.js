// The browser console of `gameday serve`: plain DOM, no build step, no framework, nothing external.
// Data shapes are those of src/serve/live-state.ts; the server pushes ServeEvents over SSE
// (GET /api/v1/events) and the page calls the JSON API for actions. Every piece of data goes into
// the page through textContent / attributes, never through innerHTML.
/* global uPlot */

const TOKEN_KEY = "gameday.token";
const NAME_KEY = "gameday.name";
const MAX_POINTS = 900; // 15 minutes at one point a second, as the server keeps them
const EVENT_TYPES = "hello status marker alerts faults decision panels run schedule notice".split(" ");
const PANEL_GROUPS = ["SRE", "FinOps", "Safety", "Product"];
const ROUTES = { "#/": "live", "#/runs": "runs", "#/history": "history", "#/schedules": "schedules" };
const MARKER_COLORS = {
  start: "#495057",
  inject: "#e03131",
  revert: "#f08c00",
  detect: "#1971c2",
  ack: "#0c8599",
  decision: "#7048e8",
  recover: "#2b8a3e",
  stop: "#212529",
  end: "#495057",
};
const CHART_LINES = ["detect", "ack", "decision", "recover"];
const CHART_DEFS = [
  { key: "p95Ms", label: "p95", color: "#1971c2", scale: 1, unit: "ms", digits: 0 },
  { key: "errorRate", label: "errors", color: "#c92a2a", scale: 100, unit: "%", digits: 2 },
  { key: "rps", label: "throughput", color: "#2b8a3e", scale: 1, unit: "req/s", digits: 1 },
];
const CHART_HEIGHT = 170;
const X_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

// ---------------------------------------------------------------- DOM and format helpers

const $ = (selector) => document.querySelector(selector);

/**
 * h("td.muted", { title: "x" }, "text", node, [more]): an element; "tag.class.class" shorthand, an
 * optional attributes object (on<event> adds a listener), then children (strings become text nodes).
 */
function h(spec, ...rest) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag);
  if (classes.length) el.className = classes.join(" ");
  const first = rest[0];
  const props = first && typeof first === "object" && !(first instanceof Node) && !Array.isArray(first);
  for (const [key, value] of Object.entries(props ? rest.shift() : {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.classList.add(...String(value).split(" ").filter(Boolean));
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  el.append(...clean(rest));
  return el;
}

function clean(children) {
  return children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false);
}

function fill(el, ...children) {
  el.replaceChildren(...clean(children));
}

/** Fills a table body with rows (cells labelled by column, for the phone layout), or one `empty` row. */
function fillRows(tbody, rows, empty) {
  const labels = [...tbody.closest("table").querySelectorAll("thead th")].map((th) => th.textContent);
  for (const row of rows) for (const [i, td] of [...row.cells].entries()) td.dataset.label = labels[i] ?? "";
  fill(tbody, rows.length ? rows : h("tr", h("td.muted", { colspan: labels.length }, empty)));
}

const pad = (n) => String(n).padStart(2, "0");

function fmtClock(ms) {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function fmtDateTime(ms) {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${fmtClock(ms)}`;
}

function fmtDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** Seconds since the run started as m:ss (the charts' x axis). */
function fmtOffset(s) {
  const total = Math.round(Math.abs(s));
  return `${s < 0 ? "-" : ""}${Math.floor(total / 60)}:${pad(total % 60)}`;
}

function fmtNum(v, digits) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return v.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** A dashboard value by its unit: ms, ratio (as %), pct, usd (4 decimals), count, rps, value. */
function fmtPanelValue(value, unit) {
  switch (unit) {
    case "ms":
      return `${fmtNum(value, value < 10 ? 2 : value < 100 ? 1 : 0)} ms`;
    case "ratio":
      return `${(value * 100).toFixed(Math.abs(value) < 0.1 ? 2 : 1)}%`;
    case "pct":
      return `${value.toFixed(1)}%`;
    case "usd":
      return `$${value.toFixed(4)}`;
    case "count":
      return fmtNum(Math.round(value), 0);
    case "rps":
      return `${fmtNum(value, value < 10 ? 2 : 1)} req/s`;
    case "value":
    case "":
    case undefined:
      return fmtNum(value, 4);
    default:
      return `${fmtNum(value, 4)} ${unit}`;
  }
}

function verdictBadge(verdict) {
  if (!verdict) return h("span.badge.none", "—");
  return h(`span.badge.verdict-${verdict.toLowerCase()}`, { "data-verdict": verdict }, verdict);
}

function severityLabel(severity) {
  return { sev2: "Sev-2", sev3: "Sev-3" }[severity] ?? null;
}

function starterText(starter) {
  if (!starter) return "—";
  return starter.via === "api" ? starter.by : `${starter.by} (${starter.via})`;
}

/** A link opened by the browser carries no header: the token goes in the query (GETs only). */
function withToken(href) {
  const t = token();
  return t ? `${href}?access_token=${encodeURIComponent(t)}` : href;
}

function reportLinks(reports) {
  const kinds = [
    ["html", "report.html"],
    ["markdown", "markdown"],
    ["junit", "junit"],
  ];
  const links = kinds
    .filter(([k]) => reports?.[k])
    .map(([k, label]) => h("a", { href: withToken(reports[k]), "data-report": k }, label));
  return links.length ? links : h("span.muted", "no reports");
}

function setOutcome(el, text, kind) {
  el.textContent = text;
  el.dataset.kind = kind;
}

function savedName() {
  return localStorage.getItem(NAME_KEY) ?? "";
}

function rememberName(name) {
  localStorage.setItem(NAME_KEY, name);
  for (const id of ["#ack-name", "#decide-name", "#start-name"]) if (!$(id).value) $(id).value = name;
}

// ---------------------------------------------------------------- API client

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const token = () => sessionStorage.getItem(TOKEN_KEY);
const runPath = (runId) => `/api/v1/runs/${encodeURIComponent(runId)}`;

/** fetch + JSON with the bearer token; a 4xx/5xx throws ApiError carrying the server's `error`. */
async function api(method, path, body) {
  // The server counts acknowledgements from this page as "web" (API clients are "api").
  const headers = { accept: "application/json", "x-gameday-client": "console" };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  const init = { method, headers };
  if (method === "POST") {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body ?? {});
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, `cannot reach the server (${err.message})`);
  }
  const data = await res.json().catch(() => null);
  const reason = typeof data?.error === "string" ? data.error : `${res.status} ${res.statusText}`;
  if (res.status === 401)
    showTokenForm(t ? `Token rejected: ${reason}` : "This server needs an access token.");
  if (!res.ok) throw new ApiError(res.status, reason);
  return data;
}

// ---------------------------------------------------------------- state and reducer

const state = {
  conn: "connecting",
  route: "live",
  live: null,
  runs: [],
  schedules: [],
  notices: [],
  history: { loaded: false, error: null, runs: [] },
  loadingRunId: null,
};

const ALL_SECTIONS =
  "conn notices idle summary timeline charts faults alerts decisions panels runs history schedules";

const isLive = (runId) => state.live !== null && state.live.runId === runId;
const sortRuns = (runs) => [...runs].sort((a, b) => b.startedAt - a.startedAt);
const sameDecision = (a, b) => a.t === b.t && a.what === b.what && a.by === b.by;

function upsert(list, item, key) {
  const rest = list.filter((x) => x[key] !== item[key]);
  return list.length === rest.length ? [...list, item] : list.map((x) => (x[key] === item[key] ? item : x));
}

function normalizeLive(run) {
  if (!run) return null;
  const markers = [...(run.markers ?? [])].sort((a, b) => a.t - b.t);
  const series = (run.series ?? []).slice(-MAX_POINTS);
  return { faults: [], alerts: [], decisions: [], panels: [], ...run, markers, series };
}

function pushNotice(level, text) {
  state.notices = [...state.notices, { level, text, at: Date.now(), id: Math.random() }].slice(-5);
  markDirty("notices");
}

/** Applies one ServeEvent to `state`; returns the names of the page sections it changed. */
function applyEvent(ev) {
  const live = state.live;
  if ("runId" in ev && !isLive(ev.runId)) return loadLive(ev.runId);
  switch (ev.type) {
    case "hello":
      state.live = normalizeLive(ev.run);
      state.runs = sortRuns(ev.runs ?? []);
      state.schedules = ev.schedules ?? [];
      return ALL_SECTIONS.split(" ");
    case "status": {
      const { scenario, phase, elapsedMs, plannedMs, point } = ev;
      Object.assign(live, { scenario, phase, elapsedMs, plannedMs });
      if (live.series.at(-1)?.t === point.t) live.series[live.series.length - 1] = point;
      else live.series.push(point);
      if (live.series.length > MAX_POINTS) live.series.splice(0, live.series.length - MAX_POINTS);
      return ["summary", "timeline", "charts"];
    }
    case "marker":
      if (!live.markers.some((m) => m.t === ev.marker.t && m.kind === ev.marker.kind)) {
        live.markers = [...live.markers, ev.marker].sort((a, b) => a.t - b.t);
      }
      return ["timeline", "charts"];
    case "alerts":
      live.alerts = ev.alerts;
      return ["alerts"];
    case "faults":
      live.faults = ev.faults;
      return ["faults"];
    case "decision":
      if (!live.decisions.some((d) => sameDecision(d, ev.decision))) live.decisions.push(ev.decision);
      return ["decisions"];
    case "panels":
      live.panels = ev.panels;
      return ["panels"];
    case "run":
      return applyRun(ev.run);
    case "schedule":
      state.schedules = upsert(state.schedules, ev.schedule, "name");
      return ["schedules"];
    case "notice":
      pushNotice(ev.level, ev.text);
      return [];
    default:
      return [];
  }
}

function applyRun(run) {
  state.runs = sortRuns(upsert(state.runs, run, "runId"));
  if (isLive(run.runId)) {
    state.live.status = run.status;
    state.live.verdict = run.verdict;
    return ["runs", "idle", "summary"];
  }
  // A run the page has no live state for (started elsewhere, or by the form): fetch it.
  if (run.status !== "finished" && (state.live === null || state.live.status === "finished"))
    loadLive(run.runId);
  return ["runs", "idle"];
}

/** Fetches the live state of a run the stream talks about but the page has not seen yet. */
function loadLive(runId) {
  if (state.loadingRunId === runId) return [];
  state.loadingRunId = runId;
  api("GET", runPath(runId))
    .then((data) => {
      if (data?.run) state.runs = sortRuns(upsert(state.runs, data.run, "runId"));
      if (data?.live) state.live = normalizeLive(data.live);
      markDirty(...ALL_SECTIONS.split(" "));
    })
    .catch((err) => pushNotice("warn", `Could not load run ${runId}: ${err.message}`))
    .finally(() => {
      state.loadingRunId = null;
    });
  return [];
}

// ---------------------------------------------------------------- render scheduling

const dirty = new Set();
let flushTimer = null;

function markDirty(...sections) {
  for (const s of sections) dirty.add(s);
  if (flushTimer === null) flushTimer = setTimeout(flush, 16);
}

function flush() {
  flushTimer = null;
  const sections = [...dirty];
  dirty.clear();
  for (const name of sections) {
    try {
      RENDERERS[name]();
    } catch (err) {
      console.error(`rendering ${name} failed`, err);
    }
  }
}

// ---------------------------------------------------------------- renderers: frame

function renderConn() {
  const labels = {
    open: "live",
    connecting: "connecting…",
    reconnecting: "reconnecting…",
    auth: "token needed",
  };
  $("#conn").dataset.state = state.conn;
  $("#conn").textContent = labels[state.conn] ?? "disconnected";
}

function renderNotices() {
  const dismiss = (id) => () => {
    state.notices = state.notices.filter((x) => x.id !== id);
    renderNotices();
  };
  const items = state.notices.map((n) =>
    h(
      `li.notice.${n.level}`,
      h("span.muted", fmtClock(n.at)),
      ` ${n.text}`,
      h("button.link", { type: "button", "aria-label": "Dismiss", onclick: dismiss(n.id) }, "×"),
    ),
  );
  fill($("#notices"), items);
}

function renderRoute() {
  state.route = ROUTES[location.hash] ?? "live";
  for (const view of document.querySelectorAll(".view")) view.hidden = view.dataset.view !== state.route;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.route === state.route) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (state.route === "live") {
    resizeCharts();
    markDirty("charts", "timeline");
  }
  if (state.route === "history") loadHistory();
}

// ---------------------------------------------------------------- renderers: live view

function renderIdle() {
  const live = state.live;
  const finished = live?.status === "finished";
  $("#idle").hidden = live !== null && !finished;
  $("#live").hidden = live === null;
  $("#view-live").dataset.finished = String(finished); // the finished run first, the start form under it
  const latest = state.runs.find((r) => r.status === "finished");
  fill(
    $("#latest-run"),
    latest
      ? [
          h("span.muted", "Latest run"),
          h("code", latest.runId),
          verdictBadge(latest.verdict),
          h("span.muted", `ended ${fmtDateTime(latest.endedAt)}`),
          h("span.report-links", reportLinks(latest.reports)),
        ]
      : h("span.muted", "No finished runs yet."),
  );
}

function renderSummary() {
  const live = state.live;
  if (!live) return;
  const finished = live.status === "finished";
  const item = state.runs.find((r) => r.runId === live.runId);
  $("#live-run-id").textContent = live.runId;
  $("#live-status").textContent = live.status;
  $("#live-status").dataset.status = live.status;
  $("#live-scenario").textContent = live.scenario ?? live.scenarios.join(", ");
  $("#live-phase").textContent = live.phase ?? "—";
  $("#live-elapsed").textContent = `${fmtDuration(live.elapsedMs)} / ${fmtDuration(live.plannedMs)}`;
  $("#live-profile").textContent = live.profile;
  $("#live-started-by").textContent = `${starterText(live.startedBy)} at ${fmtClock(live.startedAt)}`;
  const pct = live.plannedMs > 0 ? Math.min(100, (live.elapsedMs / live.plannedMs) * 100) : 0;
  $("#live-progress").style.width = `${finished ? 100 : pct}%`;
  fill($("#live-verdict"), finished ? verdictBadge(live.verdict ?? item?.verdict) : null);
  fill(
    $("#live-reports"),
    finished && item ? [h("span.muted", "Reports:"), reportLinks(item.reports)] : null,
  );
  $("#stop-run").hidden = finished || live.status === "stopping";
  if ($("#stop-run").hidden) $("#stop-confirm-box").hidden = true;
}

/** The run's time span in wall-clock ms: start .. max(planned end, now). */
function timeSpan(live) {
  const start = live.startedAt;
  const now = Math.max(start + live.elapsedMs, live.series.at(-1)?.t ?? start);
  const end = Math.max(start + live.plannedMs, now, live.markers.at(-1)?.t ?? start, start + 1000);
  return { start, end, now };
}

/** inject..revert windows per scenario; a window still open ends "now". */
function faultWindows(live) {
  const { now } = timeSpan(live);
  const open = new Map();
  const windows = [];
  for (const m of live.markers) {
    const key = m.scenario ?? "";
    if (m.kind === "inject" && !open.has(key)) open.set(key, m.t);
    if (m.kind === "revert" && open.has(key)) {
      windows.push({ from: open.get(key), to: m.t, scenario: key });
      open.delete(key);
    }
  }
  for (const [key, from] of open) windows.push({ from, to: Math.max(now, from), scenario: key });
  return windows;
}

function renderTimeline() {
  const live = state.live;
  if (!live) return;
  const { start, end, now } = timeSpan(live);
  const pct = (t) => `${Math.min(100, Math.max(0, ((t - start) / (end - start)) * 100))}%`;
  const place = (el, t) => {
    el.style.left = pct(t);
    return el;
  };
  const windows = faultWindows(live).map((w) => {
    const el = place(h("div.tl-window", { title: `fault window ${w.scenario}`.trim() }), w.from);
    el.style.width = `${Math.max(0.3, ((w.to - w.from) / (end - start)) * 100)}%`;
    return el;
  });
  const markers = live.markers.map((m) => {
    const title = `${m.kind} ${fmtClock(m.t)} (+${fmtDuration(m.t - start)})${m.label ? ` — ${m.label}` : ""}`;
    const attrs = { "data-marker-kind": m.kind, "data-t": m.t, title };
    const el = place(h(`span.tl-marker.kind-${m.kind}`, attrs), m.t);
    el.style.setProperty("--marker-color", MARKER_COLORS[m.kind] ?? "#495057");
    return el;
  });
  fill($("#timeline"), windows, place(h("div.tl-now", { title: `now ${fmtClock(now)}` }), now), markers);
  fill($("#timeline-axis"), h("span", fmtClock(start)), h("span", fmtClock(end)));
  const swatch = (kind) => {
    const el = h("span.swatch");
    el.style.background = MARKER_COLORS[kind] ?? "#495057";
    return el;
  };
  fill(
    $("#timeline-legend"),
    [...new Set(live.markers.map((m) => m.kind))].map((k) => h("span.legend-item", swatch(k), k)),
    windows.length ? h("span.legend-item", h("span.swatch.fault"), "fault window") : null,
  );
  const item = (m) =>
    h(
      "li",
      { "data-kind": m.kind },
      h("code", `+${fmtDuration(m.t - start)}`),
      " ",
      h("strong", m.kind),
      m.scenario ? h("span.muted", ` [${m.scenario}]`) : null,
      m.label ? ` ${m.label}` : null,
    );
  fill($("#markers"), live.markers.map(item));
}

function renderFaults() {
  const live = state.live;
  if (!live) return;
  const item = (f) =>
    h(
      "li",
      { "data-fault-id": f.faultId },
      h("strong", f.kind),
      " → ",
      h("code", f.target),
      h("div.muted", `${f.summary} · ${f.scenario} · applied ${fmtClock(f.appliedAt)}`),
    );
  fill($("#faults"), live.faults.length ? live.faults.map(item) : h("li.muted", "No active faults."));
}

function ackCell(alert) {
  const a = alert.ack;
  if (a) {
    const synthetic =
      a.synthetic && h("span.synthetic", { title: "acknowledged by a synthetic actor" }, "synthetic");
    return h(
      "td.ack-state",
      { "data-acked": "true" },
      `${a.by} at ${fmtClock(a.at)}`,
      h("span.muted", ` via ${a.via}`),
      synthetic,
    );
  }
  if (alert.status !== "firing") return h("td.muted", "—");
  return h(
    "td.ack-state",
    h("button.ack-button", { type: "button", "data-ack": alert.fingerprint }, "Acknowledge"),
  );
}

function renderAlerts() {
  const live = state.live;
  if (!live) return;
  const rank = (a) => (a.status === "firing" ? 0 : 1);
  const alerts = [...live.alerts].sort((a, b) => rank(a) - rank(b) || a.firstReceivedAt - b.firstReceivedAt);
  const row = (a) =>
    h(
      "tr",
      { "data-fingerprint": a.fingerprint, "data-status": a.status },
      h("td", { title: a.summary }, h("strong", a.name), a.summary ? h("div.muted.small", a.summary) : null),
      h("td", a.severity ?? "—"),
      h("td", a.receiver),
      h("td", fmtClock(a.startsAt ?? a.firstReceivedAt)),
      h("td", h(`span.alert-status.${a.status}`, a.status)),
      ackCell(a),
    );
  fillRows($("#alerts-table tbody"), alerts.map(row), "No alerts received.");
}

function renderDecisions() {
  const live = state.live;
  if (!live) return;
  const item = (d) =>
    h(
      "li",
      { "data-severity": d.severity ?? "" },
      h("code", fmtClock(d.t)),
      " ",
      d.severity ? h(`span.sev-badge.${d.severity}`, severityLabel(d.severity)) : null,
      ` ${d.what}`,
      d.by ? h("span.muted", ` — ${d.by}`) : null,
      d.why ? h("div.muted.small", d.why) : null,
    );
  fill($("#decisions"), live.decisions.length ? live.decisions.map(item) : h("li.muted", "No decision yet."));
}

function renderPanels() {
  const live = state.live;
  if (!live) return;
  const panel = (p) => {
    const missing = p.value === null;
    const attrs = {
      "data-panel-id": p.id,
      title: missing ? (p.error ?? "not exposed") : `at ${fmtClock(p.t)}`,
    };
    const value = missing ? "not exposed" : fmtPanelValue(p.value, p.unit);
    return h(
      "div.panel",
      { ...attrs, class: missing && "not-exposed" },
      h("div.panel-title", p.title),
      h("div.panel-value", value),
    );
  };
  const group = (name) => {
    const panels = live.panels.filter((p) => p.group === name);
    const body = panels.length ? panels.map(panel) : h("p.muted", "no panels configured");
    return h("section.panel-group", { "data-group": name }, h("h3", name), h("div.panel-list", body));
  };
  fill($("#panels"), PANEL_GROUPS.map(group));
}

// ---------------------------------------------------------------- charts (uPlot)

const charts = { runId: null, plots: [] };
const chartBox = (def) => $(`[data-chart="${def.key}"] .chart-box`);
const chartWidth = (box) => Math.max(240, Math.floor(box.clientWidth || box.parentElement.clientWidth - 16));

/** uPlot drawClear hook: shades the fault windows, dashed lines at detect / ack / decision / recover. */
function drawOverlays(u) {
  const live = state.live;
  if (!live) return;
  const { ctx, bbox } = u;
  const pos = (ms) => u.valToPos((ms - live.startedAt) / 1000, "x", true);
  const x = (ms) => Math.min(bbox.left + bbox.width, Math.max(bbox.left, pos(ms)));
  ctx.save();
  ctx.fillStyle = "rgba(250, 82, 82, 0.16)";
  for (const w of faultWindows(live))
    ctx.fillRect(x(w.from), bbox.top, Math.max(1, x(w.to) - x(w.from)), bbox.height);
  ctx.lineWidth = Math.max(1, devicePixelRatio);
  ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
  for (const m of live.markers.filter((m) => CHART_LINES.includes(m.kind))) {
    ctx.strokeStyle = MARKER_COLORS[m.kind];
    ctx.beginPath();
    ctx.moveTo(x(m.t), bbox.top);
    ctx.lineTo(x(m.t), bbox.top + bbox.height);
    ctx.stroke();
  }
  ctx.restore();
}

function chartData(def) {
  const series = state.live?.series ?? [];
  const y = (p) => (typeof p[def.key] === "number" ? p[def.key] * def.scale : null);
  const start = state.live?.startedAt ?? 0;
  return [series.map((p) => (p.t - start) / 1000), series.map(y)];
}

function makePlot(def, box) {
  const grid = { stroke: "#e9ecef" };
  const xRange = () => {
    const { start, end } = timeSpan(state.live);
    return [0, (end - start) / 1000];
  };
  const clock = (s) => fmtClock(state.live.startedAt + s * 1000);
  const opts = {
    width: chartWidth(box),
    height: CHART_HEIGHT,
    cursor: { sync: { key: "gameday" }, drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: xRange },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    series: [
      { label: "t", value: (_u, v) => (v === null ? "—" : `${fmtOffset(v)} (${clock(v)})`) },
      {
        label: def.label,
        stroke: def.color,
        width: 2,
        fill: `${def.color}1a`,
        points: { show: false },
        value: (_u, v) => (v === null ? "—" : `${fmtNum(v, def.digits)} ${def.unit}`),
      },
    ],
    axes: [
      { stroke: "#495057", grid, incrs: X_INCRS, values: (_u, splits) => splits.map(fmtOffset) },
      { stroke: "#495057", grid, size: 52, values: (_u, splits) => splits.map((v) => fmtNum(v, 2)) },
    ],
    hooks: { drawClear: [drawOverlays] },
  };
  return new uPlot(opts, chartData(def), box);
}

function renderCharts() {
  const live = state.live;
  if (!live || state.route !== "live") return;
  if (typeof uPlot === "undefined") {
    for (const def of CHART_DEFS) chartBox(def).textContent = "charts unavailable (uPlot did not load)";
    return;
  }
  if (charts.runId === live.runId) {
    for (const [i, def] of CHART_DEFS.entries()) charts.plots[i].setData(chartData(def));
    return;
  }
  for (const plot of charts.plots) plot.destroy();
  charts.runId = live.runId;
  charts.plots = CHART_DEFS.map((def) => {
    chartBox(def).replaceChildren();
    return makePlot(def, chartBox(def));
  });
}

function resizeCharts() {
  if (state.route !== "live") return;
  if (charts.runId === null) return markDirty("charts");
  for (const [i, def] of CHART_DEFS.entries()) {
    charts.plots[i].setSize({ width: chartWidth(chartBox(def)), height: CHART_HEIGHT });
  }
}

// ---------------------------------------------------------------- renderers: other views

function renderRuns() {
  const row = (r) =>
    h(
      "tr",
      { "data-run-id": r.runId, "data-status": r.status },
      h(
        "td",
        r.status === "finished"
          ? verdictBadge(r.verdict)
          : h("span.status-pill", { "data-status": r.status }, r.status),
      ),
      h("td", h("code", r.runId)),
      h("td", fmtDateTime(r.startedAt)),
      h("td", r.endedAt ? fmtDuration(r.endedAt - r.startedAt) : "running"),
      h("td", r.profile),
      h("td", r.scenarios.join(", ")),
      h("td", starterText(r.startedBy)),
      h(
        "td",
        h(
          "span.report-links",
          r.status === "finished" ? reportLinks(r.reports) : h("a", { href: "#/" }, "live"),
        ),
      ),
    );
  fillRows($("#runs-table tbody"), state.runs.map(row), "No runs yet.");
}

async function loadHistory() {
  try {
    const data = await api("GET", "/api/v1/history?limit=50");
    state.history = { loaded: true, error: null, runs: data?.runs ?? [] };
  } catch (err) {
    state.history = { loaded: true, error: err.message, runs: [] };
  }
  markDirty("history");
}

function renderHistory() {
  const { loaded, error, runs } = state.history;
  setOutcome($("#history-error"), error ?? "", "error");
  const row = (r) => {
    const defects = r.defects ?? [];
    const scenarios = (r.scenarios ?? []).map((s) =>
      h("span.scenario-verdict", `${s.id} `, verdictBadge(s.verdict)),
    );
    return h(
      "tr",
      { "data-run-id": r.runId },
      h("td", verdictBadge(r.verdict)),
      h("td", h("code", r.runId)),
      h("td", fmtDateTime(r.startedAt)),
      h("td", r.endedAt ? fmtDuration(r.endedAt - r.startedAt) : "—"),
      h("td", r.profile),
      h("td", r.normal ? "yes" : "no"),
      h("td", r.branch ?? "—", r.commit ? h("code.muted", ` ${String(r.commit).slice(0, 8)}`) : null),
      h("td", h("div.scenario-verdicts", scenarios)),
      h("td", defects.length ? defects.join("; ") : "—"),
    );
  };
  fillRows(
    $("#history-table tbody"),
    runs.map(row),
    !loaded ? "Loading…" : error ? "" : "No history recorded.",
  );
}

function skippedCell(skipped) {
  if (!skipped?.length) return h("td.muted", "0");
  const latest = skipped.slice(-3).reverse();
  const reasons = latest.map((s) => h("li.small", h("span.muted", `${fmtDateTime(s.at)} `), s.reason));
  const title = latest.map((s) => `${fmtDateTime(s.at)}: ${s.reason}`).join("\n");
  return h("td", { title }, h("strong", String(skipped.length)), h("ul.skips", reasons));
}

/** A run id, linked to its report when the runs list knows one. */
function runLink(runId) {
  const html = state.runs.find((r) => r.runId === runId)?.reports?.html;
  return html ? h("a", { href: withToken(html) }, h("code", runId)) : h("code", runId);
}

function renderSchedules() {
  const row = (s) =>
    h(
      "tr",
      { "data-schedule": s.name },
      h("td", h("strong", s.name)),
      h("td", h("code.nowrap", s.cron)),
      h("td", s.timezone ?? "local"),
      h("td", s.scenarios.join(", ")),
      h("td", s.profile),
      h("td", fmtDateTime(s.nextAt)),
      h("td", fmtDateTime(s.lastFiredAt)),
      h("td", s.lastRunId ? runLink(s.lastRunId) : "—"),
      skippedCell(s.skipped),
    );
  fillRows($("#schedules-table tbody"), state.schedules.map(row), "No schedules configured.");
}

const RENDERERS = {
  conn: renderConn,
  notices: renderNotices,
  idle: renderIdle,
  summary: renderSummary,
  timeline: renderTimeline,
  charts: renderCharts,
  faults: renderFaults,
  alerts: renderAlerts,
  decisions: renderDecisions,
  panels: renderPanels,
  runs: renderRuns,
  history: renderHistory,
  schedules: renderSchedules,
};

// ---------------------------------------------------------------- event stream

let source = null;
let retryTimer = null;

function setConn(conn) {
  state.conn = conn;
  markDirty("conn");
}

function connect() {
  clearTimeout(retryTimer);
  source?.close();
  setConn("connecting");
  const t = token();
  const es = new EventSource(t ? `/api/v1/events?access_token=${encodeURIComponent(t)}` : "/api/v1/events");
  source = es;
  es.onopen = () => setConn("open");
  es.onerror = () => {
    if (source !== es) return;
    if (es.readyState !== EventSource.CLOSED) return setConn("reconnecting");
    setConn("closed");
    recoverStream();
  };
  for (const type of EVENT_TYPES) es.addEventListener(type, (msg) => onStreamEvent(type, msg.data));
}

function onStreamEvent(type, data) {
  let ev;
  try {
    ev = JSON.parse(data);
  } catch {
    return pushNotice("warn", `Unreadable ${type} event from the server`);
  }
  markDirty(...applyEvent({ type, ...ev }));
}

/** EventSource gives up on an HTTP error (a 401 included) without saying which: ask the API. */
async function recoverStream() {
  try {
    await api("GET", "/api/v1/runs");
  } catch (err) {
    if (err.status === 401) return; // the token form is up; it reconnects once a token is given
  }
  retryTimer = setTimeout(connect, 3000);
}

function showTokenForm(message) {
  setConn("auth");
  source?.close();
  $("#token-message").textContent = message;
  $("#token-form").hidden = false;
}

// ---------------------------------------------------------------- actions

/** Runs fn, showing its returned message (or the server's error) in `outcome`; disables `button`. */
async function runAction(outcome, fn, button) {
  if (button) button.disabled = true;
  setOutcome(outcome, "", "info");
  try {
    setOutcome(outcome, await fn(), "ok");
    return true;
  } catch (err) {
    setOutcome(outcome, err.status ? `${err.message} (HTTP ${err.status})` : err.message, "error");
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

function submitToken(e) {
  e.preventDefault();
  const value = $("#token-input").value.trim();
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  $("#token-input").value = "";
  $("#token-form").hidden = true;
  connect();
  if (state.route === "history") loadHistory();
}

function openAckDialog(fingerprint) {
  const alert = state.live?.alerts.find((a) => a.fingerprint === fingerprint);
  $("#ack-dialog").dataset.fingerprint = fingerprint;
  fill(
    $("#ack-alert"),
    alert ? [h("strong", alert.name), ` · ${alert.receiver} · `] : null,
    h("code", fingerprint),
  );
  setOutcome($("#ack-error"), "", "info");
  if (!$("#ack-name").value) $("#ack-name").value = savedName();
  $("#ack-dialog").showModal();
  $("#ack-name").focus();
}

async function submitAck(e) {
  e.preventDefault();
  const fingerprint = $("#ack-dialog").dataset.fingerprint;
  const by = $("#ack-name").value.trim();
  if (!by) return setOutcome($("#ack-error"), "Your name is required to acknowledge.", "error");
  rememberName(by);
  const ok = await runAction(
    $("#ack-error"),
    async () => {
      const res = await api("POST", `/api/v1/alerts/${encodeURIComponent(fingerprint)}/ack`, { by });
      const parts = [];
      if (res?.acked?.length) parts.push(`acknowledged ${res.acked.length} alert(s)`);
      if (res?.already?.length) parts.push(`${res.already.length} already acknowledged`);
      return `${by}: ${parts.join(", ") || "nothing to acknowledge"}`;
    },
    $("#ack-submit"),
  );
  const message = $("#ack-error").textContent;
  setOutcome($("#ack-result"), ok ? message : `Acknowledge failed: ${message}`, ok ? "ok" : "error");
  if (ok) $("#ack-dialog").close();
}

async function stopRun() {
  const live = state.live;
  $("#stop-confirm-box").hidden = true;
  if (!live) return;
  const stop = async () => {
    const by = localStorage.getItem("gameday.name");
    await api("POST", `${runPath(live.runId)}/stop`, by ? { by } : {});
    return "Stop requested.";
  };
  await runAction($("#stop-result"), stop, $("#stop-run"));
}

async function submitDecision(e) {
  e.preventDefault();
  const live = state.live;
  const outcome = $("#decide-result");
  const severity = document.querySelector('input[name="severity"]:checked')?.value;
  const by = $("#decide-name").value.trim();
  const why = $("#decide-why").value.trim();
  if (!live) return setOutcome(outcome, "No run to decide on.", "error");
  if (!severity || !by || !why)
    return setOutcome(outcome, "Pick Sev-2 or Sev-3, and give your name and why.", "error");
  rememberName(by);
  const decide = async () => {
    const res = await api("POST", `${runPath(live.runId)}/decision`, { severity, by, why });
    if (res?.decision && !live.decisions.some((d) => sameDecision(d, res.decision))) {
      live.decisions.push(res.decision);
      markDirty("decisions");
    }
    if (res?.update) showUpdate(res.update);
    $("#decide-why").value = "";
    return `${severityLabel(severity)} recorded. Review the stakeholder update below.`;
  };
  await runAction(outcome, decide, $("#decide-submit"));
}

function showUpdate(update) {
  $("#update-text").value = update.text ?? "";
  const label = severityLabel(update.severity);
  $("#update-severity").textContent = label ? `(${label})` : "";
}

async function draftUpdate() {
  const live = state.live;
  if (!live) return setOutcome($("#update-result"), "No run to draft an update for.", "error");
  const draft = async () => {
    showUpdate(await api("GET", `${runPath(live.runId)}/update`));
    return "Draft filled from the run; edit it before posting.";
  };
  await runAction($("#update-result"), draft, $("#update-draft"));
}

async function postUpdate() {
  const live = state.live;
  const outcome = $("#update-result");
  const text = $("#update-text").value.trim();
  const by = $("#decide-name").value.trim() || savedName();
  if (!live) return setOutcome(outcome, "No run to post an update for.", "error");
  if (!text) return setOutcome(outcome, "The update is empty: draft it first.", "error");
  if (!by) return setOutcome(outcome, "Enter your name (in the decision form) before posting.", "error");
  const post = async () => {
    const n = (await api("POST", `${runPath(live.runId)}/update`, { text, by }))?.posted ?? 0;
    return n === 0 ? "No webhooks configured: posted to 0." : `Posted to ${n} webhook${n === 1 ? "" : "s"}.`;
  };
  await runAction(outcome, post, $("#update-post"));
}

async function startRun(e) {
  e.preventDefault();
  const outcome = $("#start-result");
  const scenarios = $("#start-scenarios")
    .value.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const profile = $("#start-profile").value;
  const by = $("#start-name").value.trim();
  if (!scenarios.length || !by)
    return setOutcome(outcome, "Give at least one scenario and your name.", "error");
  rememberName(by);
  const start = async () => {
    const res = await api("POST", "/api/v1/runs", profile ? { scenarios, profile, by } : { scenarios, by });
    if (res?.run) markDirty(...applyRun(res.run));
    return `Started ${res?.run?.runId ?? "a run"}.`;
  };
  await runAction(outcome, start, $("#start-submit"));
}

async function refreshRuns() {
  state.runs = sortRuns((await api("GET", "/api/v1/runs"))?.runs ?? []);
  markDirty("runs", "idle");
  return "";
}

async function refreshSchedules() {
  state.schedules = (await api("GET", "/api/v1/schedules"))?.schedules ?? [];
  markDirty("schedules");
  return "";
}

function bindActions() {
  const on = (selector, type, fn) => $(selector).addEventListener(type, fn);
  on("#token-form", "submit", submitToken);
  on("#alerts-table tbody", "click", (e) => {
    const button = e.target.closest("button[data-ack]");
    if (button) openAckDialog(button.dataset.ack);
  });
  on("#ack-form", "submit", submitAck);
  on("#ack-cancel", "click", () => $("#ack-dialog").close());
  on("#stop-run", "click", () => {
    $("#stop-confirm-box").hidden = false;
    $("#stop-confirm").focus();
  });
  on("#stop-cancel", "click", () => {
    $("#stop-confirm-box").hidden = true;
  });
  on("#stop-confirm", "click", stopRun);
  on("#decide-form", "submit", submitDecision);
  on("#update-draft", "click", draftUpdate);
  on("#update-post", "click", postUpdate);
  on("#start-form", "submit", startRun);
  on("#runs-refresh", "click", () => runAction($("#runs-error"), refreshRuns, $("#runs-refresh")));
  on("#history-refresh", "click", loadHistory);
  on("#schedules-refresh", "click", () =>
    runAction($("#schedules-error"), refreshSchedules, $("#schedules-refresh")),
  );
  window.addEventListener("hashchange", renderRoute);
  window.addEventListener("resize", resizeCharts);
}

// ---------------------------------------------------------------- boot

function boot() {
  for (const id of ["#ack-name", "#decide-name", "#start-name"]) $(id).value = savedName();
  bindActions();
  renderRoute();
  markDirty(...ALL_SECTIONS.split(" "));
  connect();
}

boot();
