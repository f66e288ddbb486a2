// How a drill reads a runbook page: the page is the source of truth, so the steps a drill executes
// are parsed from it instead of being written a second time in the scenario (where they drifted).
// The conventions are stated at the top of runbooks/rollback.md; anything a step's lines do not
// match is prose for humans. A step the parser finds nothing executable in is an error, not a
// silently empty step.
import { readFileSync } from "node:fs";

export type DrillCall = { method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; path: string; body?: unknown };

export type DrillAction =
  | { kind: "declare"; severity: "Sev-1" | "Sev-2" | "Sev-3"; note?: string }
  | { kind: "http"; target: string; call: DrillCall }
  | { kind: "wait-healthy"; within: string }
  | {
      kind: "smoke";
      target: string;
      flows: Array<{ name: string; call: DrillCall & { expectStatus: number } }>;
    }
  | { kind: "check-cost"; maxUsd: number; within: string }
  | { kind: "alerts-cleared"; within: string; names: string[] }
  | { kind: "note"; text: string };

export interface DrillStep {
  id: string;
  title: string;
  actions: DrillAction[];
}

export class RunbookFormatError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = "RunbookFormatError";
  }
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** `$COPILOT_URL` → `copilot`: the shell variable a human sets names the config's service. */
function serviceOf(variable: string): string {
  return variable.replace(/_URL$/, "").toLowerCase().replaceAll("_", "-");
}

/** "10 min" / "30 s" → a duration the scenario schema reads ("10m", "30s"). */
function within(text: string): string | undefined {
  const m = /within (\d+) ?(min|s|h)\b/.exec(text);
  if (!m) return undefined;
  return `${m[1]}${m[2] === "min" ? "m" : m[2]}`;
}

function parseCurl(line: string, fail: (msg: string) => never): { target: string; call: DrillCall } {
  const method = /-X ([A-Z]+)/.exec(line)?.[1] ?? "GET";
  if (!METHODS.has(method)) fail(`curl: unsupported method ${method}`);
  const url = /"\$([A-Z_]+)(\/[^"]*)"/.exec(line);
  if (!url) fail('curl: the URL must be "$SERVICE_URL/path" so the drill knows the service');
  const data = /-d '([^']*)'/.exec(line)?.[1];
  let body: unknown;
  if (data !== undefined) {
    try {
      body = JSON.parse(data);
    } catch (err) {
      fail(`curl: -d is not JSON: ${(err as Error).message}`);
    }
  }
  const call: DrillCall = { method: method as DrillCall["method"], path: url[2]! };
  if (body !== undefined) call.body = body;
  return { target: serviceOf(url[1]!), call };
}

/** Reads the numbered steps of a runbook page (`### <id>: <title>`) into drill steps. */
export function parseRunbook(text: string, file = "runbook"): DrillStep[] {
  const lines = text.split("\n");
  const steps: DrillStep[] = [];
  let step: (DrillStep & { line: number }) | undefined;
  let fence: string | undefined;
  let smoke: Extract<DrillAction, { kind: "smoke" }> | undefined;
  // A bullet may wrap onto following indented lines; each bullet is read as one logical line.
  const logical: Array<{ n: number; text: string; fence: string | undefined }> = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.startsWith("```")) {
      fence = fence === undefined ? raw.slice(3).trim() || "text" : undefined;
      logical.push({ n: i + 1, text: raw, fence: "marker" });
      continue;
    }
    const prev = logical.at(-1);
    if (
      fence === undefined &&
      /^ {2,}\S/.test(raw) &&
      prev &&
      prev.fence === undefined &&
      /^- /.test(prev.text)
    ) {
      prev.text += ` ${raw.trim()}`;
      continue;
    }
    logical.push({ n: i + 1, text: raw, fence });
  }

  const close = (): void => {
    if (!step) return;
    if (step.actions.length === 0)
      throw new RunbookFormatError(file, step.line, `step ${step.id} has nothing the drill can execute`);
    steps.push({ id: step.id, title: step.title, actions: step.actions });
  };

  for (const { n, text, fence: inFence } of logical) {
    const fail = (msg: string): never => {
      throw new RunbookFormatError(file, n, msg);
    };
    if (inFence === undefined && /^#{1,3} /.test(text)) {
      smoke = undefined;
      const h = /^### ([a-z0-9][a-z0-9-]*): (.+)$/.exec(text);
      if (text.startsWith("### ") && !h) fail(`a step heading reads "### <id>: <title>", not "${text}"`);
      close();
      step = h ? { id: h[1]!, title: h[2]!.trim(), actions: [], line: n } : undefined;
      continue;
    }
    if (!step || inFence === "marker") continue;
    if (inFence !== undefined) {
      if (inFence === "sh" && /^\s*curl\b/.test(text))
        step.actions.push({ kind: "http", ...parseCurl(text, fail) });
      continue;
    }
    const sev = /declares \*\*(Sev-[123])\*\*/.exec(text);
    if (sev) {
      step.actions.push({
        kind: "declare",
        severity: sev[1] as "Sev-1" | "Sev-2" | "Sev-3",
        note: step.title,
      });
      continue;
    }
    if (/health checks/i.test(text) && /^- /.test(text)) {
      const w = within(text) ?? fail('a health-check line needs "within N min"');
      step.actions.push({ kind: "wait-healthy", within: w });
      continue;
    }
    if (/^\| *flow *\| *prompt *\|/.test(text)) {
      smoke = { kind: "smoke", target: "copilot", flows: [] };
      step.actions.push(smoke);
      continue;
    }
    if (smoke && /^\|/.test(text)) {
      if (/^\| *-+/.test(text)) continue;
      const cells = text
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());
      if (cells.length !== 2 || !cells[0] || !cells[1]) fail("a smoke-flow row is | flow | prompt |");
      smoke.flows.push({
        name: cells[0]!,
        call: {
          method: "POST",
          path: "/v1/chat",
          body: { prompt: cells[1], user: "smoke" },
          expectStatus: 200,
        },
      });
      continue;
    }
    smoke = undefined;
    if (/unit cost/i.test(text) && /^- /.test(text)) {
      const cap = /≤ \$([0-9.]+)/.exec(text)?.[1] ?? fail('a unit-cost line needs "≤ $<cap>"');
      const w = within(text) ?? fail('a unit-cost line needs "within N min"');
      step.actions.push({ kind: "check-cost", maxUsd: Number(cap), within: w });
      continue;
    }
    if (/alerts cleared/i.test(text) && /^- /.test(text)) {
      const w = within(text) ?? fail('an alerts-cleared line needs "within N min"');
      const names = [...text.matchAll(/`([A-Za-z][A-Za-z0-9]*)`/g)].map((x) => x[1]!);
      if (names.length === 0) fail("an alerts-cleared line names the alerts in backticks");
      step.actions.push({ kind: "alerts-cleared", within: w, names });
      continue;
    }
    const note = /^- Note: (.+)$/.exec(text);
    if (note) step.actions.push({ kind: "note", text: note[1]!.replace(/\.$/, "") });
  }
  close();
  if (steps.length === 0) throw new RunbookFormatError(file, 1, 'no "### <id>: <title>" steps');
  return steps;
}

export function readRunbook(path: string): DrillStep[] {
  return parseRunbook(readFileSync(path, "utf8"), path);
}
