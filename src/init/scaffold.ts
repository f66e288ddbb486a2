// `gameday init`'s writes: which files, what stops it, and the .gitignore entry. Every check comes
// before the first write, so a refused init leaves the folder exactly as it was.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "../cli/exit-codes.ts";
import { isLoopback } from "../env/hosts.ts";
import { moduleChoice } from "./module-type.ts";
import { configTemplate, EXAMPLE_ID, scenarioTemplate } from "./templates.ts";

export const REPORTS_DIR = "reports";
/** Every extension a config or scenario file is loaded with (the loader's and the config lookup's). */
const SCRIPT_EXTS = [".ts", ".mts", ".js", ".mjs"] as const;

export interface ScaffoldOptions {
  /** The folder to write into. */
  dir: string;
  /** The service's URL as the user gave it. */
  url: string;
  force?: boolean;
}

export interface ScaffoldFile {
  /** Relative to the folder. */
  path: string;
  content: string;
}

export interface Scaffold {
  dir: string;
  ext: ".ts" | ".mts";
  /** Why the files are .mts, when they are. */
  extReason?: string;
  files: ScaffoldFile[];
  /** The service URL as written into the config. */
  url: string;
  /** A host added to allowHosts (the URL's, when not loopback). */
  allowHost?: string;
}

/** The user's URL checked and normalised: http(s), no credentials, query or fragment, no trailing slash. */
export function serviceUrl(raw: string): { url: string; host: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--url must be an absolute http:// or https:// URL, got "${raw}"`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new UsageError(`--url must be an http:// or https:// URL, got "${raw}"`);
  // The config is committed: a password in it would be too.
  if (u.username || u.password)
    throw new UsageError(`--url must not carry credentials (got "${raw}"); the config file is committed`);
  if (u.search || u.hash)
    throw new UsageError(`--url is the service's base URL, without a query or fragment (got "${raw}")`);
  const path = u.pathname.replace(/\/+$/, "");
  return { url: `${u.origin}${path}`, host: u.hostname.replace(/^\[|\]$/g, "") };
}

/** What init would write into `dir`; nothing is touched. */
export function planScaffold(o: ScaffoldOptions): Scaffold {
  const { url, host } = serviceUrl(o.url);
  const choice = moduleChoice(o.dir);
  const allowHost = isLoopback(host) ? undefined : host;
  const t = { url, allowHost, ext: choice.ext, reportsDir: REPORTS_DIR };
  return {
    dir: o.dir,
    ext: choice.ext,
    extReason: choice.reason,
    url,
    allowHost,
    files: [
      { path: `gameday.config${choice.ext}`, content: configTemplate(t) },
      { path: join("scenarios", `${EXAMPLE_ID}${choice.ext}`), content: scenarioTemplate(t) },
    ],
  };
}

function withExt(path: string, ext: string): string {
  return path.replace(/\.[^./]+$/, ext);
}

/**
 * What stands in the way, as messages naming each file. A file init would write is overwritten by
 * --force; the same name with another extension is not something --force can fix (two configs, of
 * which one would be ignored; or two scenarios with the same id), so it always stops init.
 */
export function scaffoldConflicts(s: Scaffold, force: boolean): string[] {
  const problems: string[] = [];
  for (const f of s.files) {
    if (!force && existsSync(join(s.dir, f.path))) problems.push(`${f.path} exists`);
    for (const ext of SCRIPT_EXTS) {
      const other = withExt(f.path, ext);
      if (other !== f.path && existsSync(join(s.dir, other)))
        problems.push(`${other} exists; init would write ${f.path} next to it (remove or rename it)`);
    }
  }
  return problems;
}

/** The .gitignore line for the reports folder, when .gitignore does not ignore it yet. */
function gitignoreEntry(dir: string): { file: string; text: string } | undefined {
  const file = join(dir, ".gitignore");
  const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
  const entries = new Set(existing.split(/\r?\n/).map((l) => l.trim()));
  const ignored = [REPORTS_DIR, `${REPORTS_DIR}/`, `/${REPORTS_DIR}`, `/${REPORTS_DIR}/`].some((e) =>
    entries.has(e),
  );
  if (ignored) return undefined;
  const sep = existing === "" || existing.endsWith("\n") ? "" : "\n";
  return { file, text: `${sep}# gameday run folders and run history\n${REPORTS_DIR}/\n` };
}

export interface ScaffoldResult {
  written: string[];
  /** What became of the reports entry in .gitignore. */
  gitignore: "created" | "appended" | "present";
}

/** Writes the scaffold after checking it; a UsageError naming every conflicting file, before any write. */
export function writeScaffold(s: Scaffold, force = false): ScaffoldResult {
  const problems = scaffoldConflicts(s, force);
  if (problems.length) {
    const hint = problems.some((p) => p.endsWith(" exists"))
      ? "\n(--force overwrites the files init writes)"
      : "";
    throw new UsageError(`nothing written in ${s.dir}:\n${problems.map((p) => `  ${p}`).join("\n")}${hint}`);
  }
  for (const f of s.files) {
    const target = join(s.dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content);
  }
  const entry = gitignoreEntry(s.dir);
  let gitignore: ScaffoldResult["gitignore"] = "present";
  if (entry) {
    gitignore = existsSync(entry.file) ? "appended" : "created";
    appendFileSync(entry.file, entry.text);
  }
  return { written: s.files.map((f) => f.path), gitignore };
}
