// Evidence checks: each looks at files in the repository (runbooks, alert rules, gameday results,
// lockfiles, the SBOM) and says green or red with a reason a reviewer can act on.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { describeRun, listRuns, pickEvidence } from "./gameday-evidence.ts";
import {
  type CdxBom,
  describeDrift,
  isCurrent,
  type Lockfile,
  lockfileProductionPackages,
  type Pkg,
  sbomDrift,
  sbomPackages,
} from "./sbom.ts";
import type { PrrCheck } from "./schema.ts";

export interface CheckOutcome {
  ok: boolean;
  reason: string;
  evidence: string[];
}

const DAY_MS = 86_400_000;

export interface CheckContext {
  root: string;
  now: Date;
  /** Outcomes of the checks that read a store (reliability-score), evaluated beforehand. */
  evaluated?: ReadonlyMap<PrrCheck, CheckOutcome>;
}

export function runCheck(check: PrrCheck, ctx: CheckContext): CheckOutcome {
  const at = (p: string) => join(ctx.root, p);
  switch (check.kind) {
    case "runbook": {
      if (!existsSync(at(check.file))) return red(`runbook ${check.file} does not exist`);
      const text = readFileSync(at(check.file), "utf8").toLowerCase();
      const missing = check.require.filter((phrase) => !text.includes(phrase.toLowerCase()));
      return missing.length
        ? red(`${check.file} lacks: ${missing.map((m) => `"${m}"`).join(", ")}`, [check.file])
        : green(`${check.file} has all ${check.require.length} required steps`, [check.file]);
    }
    case "alert-rules": {
      const files = check.files.flatMap((pattern) => expand(ctx.root, pattern));
      if (!files.length) return red(`no rule files match ${check.files.join(", ")}`);
      const defined = new Set<string>();
      const problems: string[] = [];
      for (const f of files) {
        try {
          for (const name of alertNames(readFileSync(at(f), "utf8"))) defined.add(name);
        } catch (err) {
          problems.push(`${f}: ${(err as Error).message}`);
        }
      }
      const slos = Object.entries(check.slos);
      for (const [slo, rules] of slos) {
        const missing = rules.filter((r) => !defined.has(r));
        if (missing.length) problems.push(`SLO ${slo}: no alert rule ${missing.join(", ")}`);
      }
      const missingOther = check.alerts.filter((a) => !defined.has(a));
      if (missingOther.length) problems.push(`no alert rule for ${missingOther.join(", ")}`);
      if (problems.length) return red(problems.join("; "), files);
      const covered = slos.map(([slo, rules]) => `${slo} → ${rules.join(", ")}`).join("; ");
      return green(
        `alert rules for ${slos.length} SLOs (${covered})${check.alerts.length ? ` and ${check.alerts.join(", ")}` : ""} in ${files.join(", ")}`,
        files,
      );
    }
    case "gameday":
      return gamedayCheck(check, ctx);
    case "lockfile": {
      const lock = join(check.dir, "package-lock.json");
      if (!existsSync(at(lock))) return red(`${lock} is missing`);
      if (!check.exact) return green(`${lock} present`, [lock]);
      const pkgFile = join(check.dir, "package.json");
      let pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
      try {
        pkg = JSON.parse(readFileSync(at(pkgFile), "utf8"));
      } catch (err) {
        return red(`${pkgFile}: ${(err as Error).message}`);
      }
      const loose = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
        ([, v]) => !/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(v),
      );
      return loose.length
        ? red(`not pinned in ${pkgFile}: ${loose.map(([n, v]) => `${n}@${v}`).join(", ")}`, [lock, pkgFile])
        : green(`${lock} present and every dependency in ${pkgFile} is an exact version`, [lock, pkgFile]);
    }
    case "file-exists": {
      const missing = check.paths.filter((p) => expand(ctx.root, p).length === 0);
      return missing.length
        ? red(`missing: ${missing.join(", ")}`)
        : green(`present: ${check.paths.join(", ")}`, check.paths);
    }
    case "sbom-current":
      return sbomCheck(check, ctx.root);
    case "reliability-score":
      return (
        ctx.evaluated?.get(check) ??
        red(
          "the reliability score reads the history store: evaluate it with prr check (prrCheck), not evaluatePrr alone",
        )
      );
    case "attest": {
      const when = Date.parse(`${check.at}T00:00:00Z`);
      if (when > ctx.now.getTime())
        return red(`attestation by ${check.by} is dated ${check.at}, after the check date`);
      return green(`attested by ${check.by} on ${check.at}: ${check.note}`);
    }
  }
}

function gamedayCheck(
  check: Extract<PrrCheck, { kind: "gameday" }>,
  ctx: { root: string; now: Date },
): CheckOutcome {
  if (!existsSync(join(ctx.root, check.reports)))
    return red(`reports folder ${check.reports} does not exist`);
  const runs = listRuns(ctx.root, check.reports);
  const failures: string[] = [];
  const taken: string[] = [];
  const evidence: string[] = [];
  const maxAge = check.withinDays * DAY_MS;
  for (const id of check.scenarios) {
    const pick = pickEvidence(runs, id, { strict: check.strict, profile: check.profile });
    const ignored = pick.ignored.length ? ` (ignored: ${pick.ignored.join("; ")})` : "";
    if (pick.kind === "none") {
      failures.push(`${id}: no run found${check.profile ? ` with profile ${check.profile}` : ""}${ignored}`);
      continue;
    }
    evidence.push(`${pick.run.folder}/result.json`);
    const run = describeRun(pick.run);
    const age = ctx.now.getTime() - pick.run.result.endedAt;
    if (pick.kind === "failed") failures.push(`${id}: latest ${run} is ${pick.verdict}${ignored}`);
    else if (age > maxAge)
      failures.push(`${id}: latest ${run} is ${Math.floor(age / DAY_MS)} days old (max ${check.withinDays})`);
    else taken.push(`${id}: ${run}${ignored}`);
  }
  return failures.length
    ? red(failures.join("; "), [...new Set(evidence)])
    : green(
        `${check.scenarios.length} scenarios passed within ${check.withinDays} days — ${taken.join("; ")}`,
        [...new Set(evidence)],
      );
}

function sbomCheck(check: Extract<PrrCheck, { kind: "sbom-current" }>, root: string): CheckOutcome {
  const files = [check.sbom, check.lockfile];
  const read = (file: string, what: string): { json: unknown } | { problem: string } => {
    if (!existsSync(join(root, file)))
      return { problem: `${what} ${file} is missing, so ${check.sbom} cannot be shown current` };
    try {
      return { json: JSON.parse(readFileSync(join(root, file), "utf8")) as unknown };
    } catch (err) {
      return { problem: `${what} ${file} is not valid JSON: ${(err as Error).message}` };
    }
  };
  const lockText = read(check.lockfile, "lockfile");
  if ("problem" in lockText)
    return red(
      lockText.problem,
      files.filter((f) => existsSync(join(root, f))),
    );
  const bomText = read(check.sbom, "SBOM");
  if ("problem" in bomText)
    return red(
      bomText.problem,
      files.filter((f) => existsSync(join(root, f))),
    );
  let locked: Pkg[];
  let listed: Pkg[];
  try {
    locked = lockfileProductionPackages(asObject(lockText.json) as Lockfile);
  } catch (err) {
    return red(`lockfile ${check.lockfile} ${(err as Error).message}`, files);
  }
  try {
    listed = sbomPackages(asObject(bomText.json) as CdxBom);
  } catch (err) {
    return red(`${check.sbom} ${(err as Error).message}`, files);
  }
  const drift = sbomDrift(locked, listed);
  return isCurrent(drift)
    ? green(
        `${check.sbom} lists all ${locked.length} production packages of ${check.lockfile} at their locked versions`,
        files,
      )
    : red(
        `${check.sbom} is stale against ${check.lockfile} (${locked.length} production packages): ${describeDrift(drift)} — regenerate it (make sbom)`,
        files,
      );
}

/** A parsed JSON value as an object to read fields from; arrays and scalars have none. */
function asObject(json: unknown): Record<string, unknown> {
  return json !== null && typeof json === "object" && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : {};
}

/** Prometheus rule file: groups[].rules[].alert. */
function alertNames(yamlText: string): string[] {
  const doc = parseYaml(yamlText) as { groups?: Array<{ rules?: Array<{ alert?: unknown }> }> } | null;
  if (!doc || !Array.isArray(doc.groups)) throw new Error("not a Prometheus rule file (no groups)");
  return doc.groups.flatMap((g) =>
    (g.rules ?? []).map((r) => r.alert).filter((a): a is string => typeof a === "string"),
  );
}

/** A path, or a path whose last segment has "*" wildcards; returns matches relative to root. */
function expand(root: string, pattern: string): string[] {
  if (!pattern.includes("*")) return existsSync(join(root, pattern)) ? [pattern] : [];
  const folder = dirname(pattern);
  const re = new RegExp(`^${basename(pattern).split("*").map(escapeRe).join(".*")}$`);
  if (!existsSync(join(root, folder))) return [];
  return readdirSync(join(root, folder))
    .filter((n) => re.test(n))
    .sort()
    .map((n) =>
      relative(root, join(root, folder, n))
        .split("\\")
        .join("/"),
    );
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

export function green(reason: string, evidence: string[] = []): CheckOutcome {
  return { ok: true, reason, evidence };
}
export function red(reason: string, evidence: string[] = []): CheckOutcome {
  return { ok: false, reason, evidence };
}
