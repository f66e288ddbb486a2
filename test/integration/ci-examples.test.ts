// The CI examples in examples/ci/ (docs/ci.md): the GitHub Actions workflow passes actionlint (built
// by make setup), the GitLab CI file has the jobs, rules and JUnit artifact docs/ci.md describes, and
// every gameday command in either file uses only the CLI's documented subcommands and flags.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { tempDirs } from "../temp-dirs.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const GITHUB = join(ROOT, "examples/ci/github-actions.yml");
const GITLAB = join(ROOT, "examples/ci/gitlab-ci.yml");
const ACTIONLINT = join(ROOT, ".tools/bin/actionlint");

const scratch = tempDirs();
afterAll(() => scratch.removeAll());

const noActionlint = existsSync(ACTIONLINT)
  ? null
  : `${ACTIONLINT} is not built (make setup builds it with Go)`;
if (noActionlint)
  console.warn(`skipping the actionlint checks of the GitHub Actions example: ${noActionlint}`);

/** actionlint without its shellcheck and pyflakes passes, so the result does not depend on what else is installed. */
function actionlint(file: string): { status: number | null; output: string } {
  const r = spawnSync(ACTIONLINT, ["-no-color", "-shellcheck=", "-pyflakes=", file], { encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe.skipIf(noActionlint !== null)("actionlint on the GitHub Actions example", () => {
  it("finds nothing", () => {
    expect(actionlint(GITHUB)).toEqual({ status: 0, output: "" });
  });

  it("fails a copy with a mistake, naming it", () => {
    const text = readFileSync(GITHUB, "utf8");
    const broken = text.replace("github.event_name == 'push'", "github.event_nam == 'push'");
    expect(broken).not.toBe(text);
    const file = join(scratch.make("gameday-ci-"), "github-actions.yml");
    writeFileSync(file, broken);
    const r = actionlint(file);
    expect(r.status).toBe(1);
    expect(r.output).toContain('property "event_nam" is not defined');
  });
});

// --- the gameday commands -------------------------------------------------------------------------

/** The shared store, or the default SQLite file where the variable is unset (a fork's pull request). */
const STORE = `\${GAMEDAY_STORE:-reports/history.sqlite}`;

/** What the CLI accepts (docs/ci.md): subcommands, flags that take a value, flags that do not. */
const SUBCOMMANDS = ["run", "history"];
const VALUE_FLAGS = ["--profile", "--baseline", "--store", "--out", "--metric", "--since"];
const SWITCHES = ["--score", "--json"];

interface GamedayCommand {
  line: string;
  subcommand: string;
  positionals: string[];
  flags: Map<string, string | true>;
}

/** Words of a shell command line; quotes are removed, nothing is expanded. */
function words(line: string): string[] {
  return [...line.matchAll(/(?:"[^"]*"|'[^']*'|[^\s"']+)+/g)].map((m) => m[0].replace(/["']/g, ""));
}

function parseGameday(line: string): GamedayCommand {
  const all = words(line);
  const at = all.findIndex((w, i) => w === "gameday" && all[i - 1] === "npx");
  const [subcommand = "", ...rest] = all.slice(at + 1);
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (!w.startsWith("--")) {
      positionals.push(w);
      continue;
    }
    const [name, inline] = w.split("=", 2) as [string, string | undefined];
    if (VALUE_FLAGS.includes(name)) {
      const value = inline ?? rest[++i];
      if (value === undefined || value.startsWith("--")) throw new Error(`${name} has no value in: ${line}`);
      flags.set(name, value);
    } else if (SWITCHES.includes(name) && inline === undefined) {
      flags.set(name, true);
    } else {
      throw new Error(`unknown flag ${w} in: ${line}`);
    }
  }
  return { line, subcommand, positionals, flags };
}

/** Every shell line of the file's steps (`run`) or jobs (`script`, `before_script`, `after_script`). */
function shellLines(doc: unknown): string[] {
  const lines: string[] = [];
  const visit = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, key);
    } else if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) visit(v, k);
    } else if (key && ["run", "script", "before_script", "after_script"].includes(key)) {
      // A `key: value` inside an unquoted script line turns it into a map: caught here as a non-string.
      expect(typeof node, `a ${key} entry`).toBe("string");
      lines.push(...String(node).split("\n"));
    }
  };
  visit(doc);
  return lines;
}

function gamedayCommands(file: string): GamedayCommand[] {
  const lines = shellLines(parse(readFileSync(file, "utf8")));
  // Every mention of the CLI goes through npx, the package's bin.
  for (const line of lines) {
    for (const m of line.matchAll(/(\S+)\s+gameday\s+(?:run|history)\b/g)) expect(m[1], line).toBe("npx");
  }
  return lines.filter((l) => /\bnpx\s+gameday\b/.test(l)).map(parseGameday);
}

describe.each([
  // GitHub: one job for pull requests and main, one nightly. GitLab: one job each.
  { name: "GitHub Actions", file: GITHUB, profiles: ["ci", "real"] },
  { name: "GitLab CI", file: GITLAB, profiles: ["ci", "ci", "real"] },
])("gameday commands in the $name example", ({ file, profiles }) => {
  const commands = gamedayCommands(file);

  it("use only the CLI's subcommands and flags", () => {
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const c of commands) expect(SUBCOMMANDS, c.line).toContain(c.subcommand);
  });

  it("run the scenarios folder with a profile, a baseline, the store and reports/", () => {
    const runs = commands.filter((c) => c.subcommand === "run");
    expect(runs.map((c) => c.flags.get("--profile"))).toEqual(profiles);
    for (const c of runs) {
      expect(c.positionals, c.line).toEqual(["scenarios"]);
      expect(c.flags.get("--baseline"), c.line).toMatch(/^(last-pass|branch:\S+|[A-Za-z0-9][\w.-]*)$/);
      expect(c.flags.get("--store"), c.line).toBe(STORE);
      expect(c.flags.get("--out"), c.line).toBe("reports");
    }
  });

  it("print the score and a metric's history from the same store", () => {
    const history = commands.filter((c) => c.subcommand === "history");
    expect(history.map((c) => c.flags.get("--store"))).toEqual([STORE, STORE]);
    expect(history.find((c) => c.flags.get("--score") === true)?.positionals).toEqual([]);
    expect(history.find((c) => c.flags.has("--metric"))).toMatchObject({
      positionals: ["llm-provider-outage"],
      flags: new Map([
        ["--metric", "failover.time"],
        ["--since", "30d"],
        ["--store", STORE],
      ]),
    });
  });
});

it("the flag check rejects what the CLI does not take", () => {
  expect(() => parseGameday("npx gameday run scenarios --profle ci")).toThrow(/unknown flag --profle/);
  expect(() => parseGameday("npx gameday run scenarios --baseline --out reports")).toThrow(
    /--baseline has no value/,
  );
  expect(parseGameday(`npx gameday run scenarios --store "$X" --out=reports`).flags).toEqual(
    new Map([
      ["--store", "$X"],
      ["--out", "reports"],
    ]),
  );
});

// --- the files themselves -------------------------------------------------------------------------

type Job = Record<string, unknown> & { rules?: Array<{ if?: string }>; script?: string[] };

describe("the GitLab CI example", () => {
  const doc = parse(readFileSync(GITLAB, "utf8")) as Record<string, Job>;
  const base = doc[".gameday"]!;

  it("has a merge-request job, a default-branch job and a scheduled job, all on the shared template", () => {
    expect(Object.keys(doc).filter((k) => !k.startsWith(".") && k !== "variables")).toEqual([
      "gameday-merge-request",
      "gameday-baseline",
      "gameday-nightly",
    ]);
    for (const job of ["gameday-merge-request", "gameday-baseline", "gameday-nightly"])
      expect(doc[job]?.extends, job).toBe(".gameday");
    expect(doc["gameday-merge-request"]?.rules).toEqual([
      { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
    ]);
    expect(doc["gameday-baseline"]?.rules).toEqual([
      { if: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
    ]);
    expect(doc["gameday-nightly"]?.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "schedule"' }]);
  });

  it("compares a merge request with its target branch", () => {
    expect(doc["gameday-merge-request"]?.script?.join("\n")).toContain(
      '--baseline "branch:$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"',
    );
  });

  it("keeps reports/ and publishes every run's junit.xml, failed or not", () => {
    expect(base.artifacts).toMatchObject({
      when: "always",
      paths: ["reports/"],
      reports: { junit: "reports/*/junit.xml" },
    });
    expect(base.before_script).toContain("make setup");
  });
});

describe("the GitHub Actions example", () => {
  type Step = { uses?: string; run?: string; if?: string; with?: Record<string, unknown> };
  const doc = parse(readFileSync(GITHUB, "utf8")) as {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: Record<string, { if?: string; "timeout-minutes"?: number; steps: Step[] }>;
  };

  it("runs on pull requests, pushes to main and a nightly schedule, with read-only contents", () => {
    expect(Object.keys(doc.on).sort()).toEqual(["pull_request", "push", "schedule", "workflow_dispatch"]);
    expect(doc.on.push).toEqual({ branches: ["main"] });
    expect(doc.on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \* \* \*$/) }]);
    expect(doc.permissions).toEqual({ contents: "read" });
  });

  it("has a timeout, uploads reports/ and publishes junit.xml in every job, failed or not", () => {
    for (const [name, job] of Object.entries(doc.jobs)) {
      expect(job["timeout-minutes"], name).toBeGreaterThan(0);
      const upload = job.steps.find((s) => s.uses === "actions/upload-artifact@v4");
      expect(upload, name).toMatchObject({ if: "always()", with: { path: "reports/" } });
      const junit = job.steps.find((s) => JSON.stringify(s.with ?? {}).includes("reports/*/junit.xml"));
      expect(junit?.if, name).toMatch(/^always\(\)/);
      const uses = job.steps.map((s) => s.uses).filter(Boolean);
      expect(uses, name).toEqual(
        expect.arrayContaining(["actions/checkout@v4", "actions/setup-node@v4", "actions/setup-go@v5"]),
      );
      expect(job.steps.find((s) => s.uses === "actions/setup-node@v4")?.with?.["node-version"], name).toBe(
        24,
      );
      expect(
        job.steps.some((s) => s.run === "make setup"),
        name,
      ).toBe(true);
    }
  });
});
