// One checked dependency and its verdict, and the plain-text report of a list of them.
import { table } from "../cli/table.ts";
import { type JudgeOptions, judgeSpdx } from "./spdx.ts";

export interface LicenceFinding {
  ecosystem: "npm" | "go";
  /** npm package name, or Go module path ("std" for Go's standard library). */
  name: string;
  version: string;
  /** The licence as found: an SPDX expression, or "unknown". */
  licence: string;
  verdict: "pass" | "fail";
  /** Where the licence was read, and on failure why it fails. */
  reason: string;
  /** The lockfile path (npm) or the tools it is compiled into (Go). */
  where: string;
}

/** A finding for `licence` (an SPDX expression), judged under policy.ts; `source` says where it was read. */
export function judged(
  dependency: Pick<LicenceFinding, "ecosystem" | "name" | "version" | "where">,
  licence: string,
  source: string,
  options: JudgeOptions = {},
): LicenceFinding {
  const judgement = judgeSpdx(licence, options);
  return {
    ...dependency,
    licence,
    verdict: judgement.allowed ? "pass" : "fail",
    reason: judgement.allowed ? source : `${source}: ${judgement.problems.join("; ")}`,
  };
}

/** A finding that fails before any licence is known (missing source, denied module). */
export function failed(
  dependency: Pick<LicenceFinding, "ecosystem" | "name" | "version" | "where">,
  reason: string,
  licence = "unknown",
): LicenceFinding {
  return { ...dependency, licence, verdict: "fail", reason };
}

export function offenders(findings: readonly LicenceFinding[]): LicenceFinding[] {
  return findings.filter((f) => f.verdict === "fail");
}

/** Dependencies per licence expression, most common first. */
export function tally(findings: readonly LicenceFinding[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.licence, (counts.get(f.licence) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function describeFinding(f: LicenceFinding): string {
  return `${f.ecosystem} ${f.name}@${f.version} (${f.where}): ${f.licence} — ${f.reason}`;
}

export function findingsTable(findings: readonly LicenceFinding[]): string {
  return table(
    ["ECOSYSTEM", "NAME", "VERSION", "LICENCE", "VERDICT", "SOURCE"],
    findings.map((f) => [f.ecosystem, f.name, f.version, f.licence, f.verdict, f.reason]),
  );
}
