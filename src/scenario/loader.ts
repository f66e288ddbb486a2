// Loads scenario and config files (.ts via Node's type stripping, or .js/.mjs) and validates them.
// Nothing is started before every file given has validated.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { hostProblems } from "../env/hosts.ts";
import { targetsView } from "../env/reference-targets.ts";
import { configSchema, type GamedayConfig } from "./config.ts";
import { type Problem, ValidationError, problemsFromZod } from "./errors.ts";
import { resolveGamedayImports } from "./self-import.ts";
import { type FaultSpec, type Scenario, scenarioSchema } from "./schema.ts";

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

export interface ScenarioCheck {
  /** Set when the schema accepted the value (conflicts or unknown targets may still be listed). */
  scenario?: Scenario;
  problems: Problem[];
}

/**
 * Every problem of one scenario value at once: schema, fault conflicts, and — given a config —
 * unknown targets. Targets are checked even when the schema rejects other fields, so a file is
 * fixed in one round instead of one class of problem per attempt.
 */
export function checkScenario(value: unknown, file: string, config?: GamedayConfig): ScenarioCheck {
  let parsed: ReturnType<typeof scenarioSchema.safeParse>;
  try {
    parsed = scenarioSchema.safeParse(value);
  } catch (err) {
    // zod can throw on exotic inputs (getters that throw, revoked proxies); report, don't crash.
    return {
      problems: [{ file, path: "", message: `cannot be read as a scenario: ${(err as Error).message}` }],
    };
  }
  const problems = parsed.success ? conflictProblems(parsed.data, file) : problemsFromZod(file, parsed.error);
  if (config) {
    const seen = new Set(problems.map((p) => p.path));
    problems.push(
      ...checkTargets(parsed.success ? parsed.data : value, config, file).filter((p) => !seen.has(p.path)),
    );
  }
  return parsed.success ? { scenario: parsed.data, problems } : { problems };
}

/** Validates a plain object as a scenario; never throws anything but ValidationError. */
export function validateScenario(value: unknown, file: string, config?: GamedayConfig): Scenario {
  const { scenario, problems } = checkScenario(value, file, config);
  if (problems.length || !scenario) throw new ValidationError(problems);
  return scenario;
}

export function validateConfig(value: unknown, file: string): GamedayConfig {
  let parsed: ReturnType<typeof configSchema.safeParse>;
  try {
    parsed = configSchema.safeParse(value);
  } catch (err) {
    throw new ValidationError([
      { file, path: "", message: `cannot be read as a config: ${(err as Error).message}` },
    ]);
  }
  if (!parsed.success) throw new ValidationError(problemsFromZod(file, parsed.error));
  const names = new Map<string, string>();
  const problems: Problem[] = [];
  const all: Array<[string, string]> = [
    ...parsed.data.proxies.map((p) => ["proxies", p.name] as [string, string]),
    ...parsed.data.services.map((p) => ["services", p.name] as [string, string]),
    ...parsed.data.redis.map((p) => ["redis", p.name] as [string, string]),
    ...parsed.data.processes.map((p) => ["processes", p.name] as [string, string]),
  ];
  for (const [section, name] of all) {
    const prev = names.get(name);
    if (prev)
      problems.push({ file, path: section, message: `name "${name}" is used twice (also in ${prev})` });
    names.set(name, section);
  }
  // The same loopback rule a run enforces, so `validate` and `run --dry-run` report it too.
  for (const { where, message } of hostProblems(parsed.data)) problems.push({ file, path: where, message });
  if (problems.length) throw new ValidationError(problems);
  return parsed.data;
}

/** Window of a fault on the timeline; redis purges are instants. */
function faultWindow(at: number, f: FaultSpec, scenarioEnd: number): [number, number] {
  if (f.kind === "redis") return [at, at];
  const d = "duration" in f && f.duration !== undefined ? f.duration : scenarioEnd - at;
  return [at, at + d];
}

function conflictProblems(s: Scenario, file: string): Problem[] {
  const problems: Problem[] = [];
  const end = s.duration ?? Number.MAX_SAFE_INTEGER;
  const injects = s.timeline.flatMap((step, i) =>
    step.inject ? [{ at: step.at, inject: step.inject, i }] : [],
  );
  for (let a = 0; a < injects.length; a++) {
    for (let b = a + 1; b < injects.length; b++) {
      const fa = injects[a]!;
      const fb = injects[b]!;
      if (fa.inject.target !== fb.inject.target || fa.inject.kind !== fb.inject.kind) continue;
      const [a0, a1] = faultWindow(fa.at, fa.inject, end);
      const [b0, b1] = faultWindow(fb.at, fb.inject, end);
      const overlap = fa.inject.kind === "redis" ? a0 === b0 : a0 < b1 && b0 < a1;
      if (overlap) {
        problems.push({
          file,
          path: `timeline.${fb.i}.inject`,
          message: `conflicts with timeline.${fa.i}: two ${fb.inject.kind} faults on "${fb.inject.target}" at the same time`,
        });
      }
    }
  }
  return problems;
}

type TargetKind = FaultSpec["kind"] | "service" | "service-or-proxy";

interface TargetRef {
  path: string;
  kind: TargetKind;
  name: string;
}

const FAULT_KINDS: ReadonlySet<string> = new Set(["toxiproxy", "http", "redis", "http-action", "process"]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/**
 * The target names a scenario refers to. Reads the value defensively, as it may be a raw value the
 * schema rejected: anything not shaped like a reference is skipped (the schema reports it).
 */
function targetRefs(s: unknown): TargetRef[] {
  const refs: TargetRef[] = [];
  if (!isRecord(s)) return refs;
  const timeline = s.timeline;
  if (Array.isArray(timeline)) {
    timeline.forEach((step: unknown, i) => {
      const f = isRecord(step) ? step.inject : undefined;
      if (
        isRecord(f) &&
        typeof f.kind === "string" &&
        FAULT_KINDS.has(f.kind) &&
        typeof f.target === "string"
      )
        refs.push({ path: `timeline.${i}.inject.target`, kind: f.kind as FaultSpec["kind"], name: f.target });
    });
  }
  const runbook = s.runbook;
  const steps = isRecord(runbook) ? runbook.steps : undefined;
  if (Array.isArray(steps)) {
    steps.forEach((st: unknown, i) => {
      const actions = isRecord(st) ? st.actions : undefined;
      if (!Array.isArray(actions)) return;
      actions.forEach((a: unknown, j) => {
        if (isRecord(a) && (a.kind === "http" || a.kind === "smoke") && typeof a.target === "string")
          refs.push({ path: `runbook.steps.${i}.actions.${j}.target`, kind: "service", name: a.target });
      });
    });
  }
  const load = s.load;
  if (isRecord(load) && typeof load.target === "string")
    refs.push({ path: "load.target", kind: "service-or-proxy", name: load.target });
  return refs;
}

/**
 * Checks that every target a scenario names exists in the config; lists the known names otherwise.
 * Takes a parsed scenario or the raw value of one the schema rejected.
 */
export function checkTargets(s: unknown, config: GamedayConfig, file: string): Problem[] {
  const services = config.services.map((x) => x.name);
  const known: Record<TargetKind, readonly string[]> = {
    toxiproxy: config.proxies.filter((p) => p.kind === "toxiproxy").map((p) => p.name),
    http: config.proxies.filter((p) => p.kind === "http").map((p) => p.name),
    redis: config.redis.map((r) => r.name),
    "http-action": services,
    process: config.processes.map((r) => r.name),
    service: services,
    "service-or-proxy": [...services, ...config.proxies.map((p) => p.name)],
  };
  const what: Record<TargetKind, string> = {
    toxiproxy: "Toxiproxy proxy",
    http: "HTTP fault proxy",
    redis: "Redis",
    "http-action": "service",
    process: "process",
    service: "service",
    "service-or-proxy": "service or proxy",
  };
  let refs: TargetRef[];
  try {
    refs = targetRefs(s);
  } catch {
    // A hostile value (throwing getters) was already reported by the schema check.
    return [];
  }
  return refs
    .filter((r) => !known[r.kind].includes(r.name))
    .map((r) => {
      const names = known[r.kind];
      return {
        file,
        path: r.path,
        message: `unknown ${what[r.kind]} "${r.name}" (known: ${names.length ? names.join(", ") : "none in the config"})`,
      };
    });
}

/** A file's default export; `shape` is the hint for a file without one. */
export async function importDefault(
  file: string,
  shape = "export default defineScenario({...})",
): Promise<unknown> {
  resolveGamedayImports();
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (err) {
    // A file may throw anything (`throw 0`, `throw null`), not only an Error.
    const text = err instanceof Error ? err.message : String(err);
    throw new ValidationError([{ file, path: "", message: `cannot be loaded: ${text.split("\n")[0]}` }]);
  }
  if (mod.default === undefined) {
    throw new ValidationError([{ file, path: "", message: `has no default export (${shape})` }]);
  }
  return mod.default;
}

const SCENARIO_FILE = /\.(ts|mts|js|mjs)$/;

/** Expands files and folders (a folder's top-level scenario files, sorted) into scenario file paths. */
export function scenarioFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new ValidationError([{ file: p, path: "", message: "no such file or folder" }]);
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) {
        if (SCENARIO_FILE.test(f) && !f.endsWith(".d.ts") && statSync(join(p, f)).isFile())
          out.push(join(p, f));
      }
    } else out.push(p);
  }
  return out;
}

/** Loads and validates every scenario; all problems of all files in one ValidationError. */
export async function loadScenarios(paths: string[], config?: GamedayConfig): Promise<LoadedScenario[]> {
  const files = scenarioFiles(paths);
  const problems: Problem[] = [];
  const loaded: LoadedScenario[] = [];
  const ids = new Map<string, string>();
  for (const file of files) {
    try {
      const checked = checkScenario(await importDefault(file), file, config && targetsView(config));
      problems.push(...checked.problems);
      const scenario = checked.scenario;
      if (!scenario) continue;
      const prev = ids.get(scenario.id);
      if (prev) problems.push({ file, path: "id", message: `"${scenario.id}" is also the id of ${prev}` });
      ids.set(scenario.id, file);
      loaded.push({ file, scenario });
    } catch (err) {
      if (err instanceof ValidationError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (files.length === 0)
    problems.push({ file: paths.join(" "), path: "", message: "no scenario files found" });
  if (problems.length) throw new ValidationError(problems);
  return loaded;
}

export async function loadConfig(file: string): Promise<GamedayConfig> {
  return validateConfig(await importDefault(file, "export default defineConfig({...})"), file);
}

export function scenarioIdFromFile(file: string): string {
  return basename(file).replace(SCENARIO_FILE, "");
}
