// Signing the PRR: the rendered checklist (and the machine-readable report) in an output folder,
// signed per role with the same DSSE scheme as run reports. Approved = ready + all four roles.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  attestationFileIn,
  INTOTO_BUNDLE_FILE,
  ROLES,
  type Role,
  type SignOutcome,
  SignInputError,
  signFolder,
  type VerifyOutcome,
  verifyFolder,
} from "../sign/index.ts";
import { type PrrCheckOptions, type PrrReport, prrCheck } from "./check.ts";
import { CHECKLIST_FILE, isCurrentChecklist, renderPrrChecklist } from "./checklist.ts";
import { canonicalJson } from "../report/result-file.ts";

export const PRR_PREDICATE_TYPE = "https://gameday.dev/prr/v1";
export const PRR_REPORT_FILE = "prr_report.json";

/** `prr sign` while an item is red: the review fails (exit 1), it is not bad input. */
export class PrrNotReadyError extends Error {
  override name = "PrrNotReadyError";
}

export interface PrrSignOptions extends PrrCheckOptions {
  role: Role;
  keyFile: string;
  outDir: string;
}

/** Checks the PRR, writes prr_checklist.md + prr_report.json into outDir and signs them for one role. */
export async function prrSign(file: string, o: PrrSignOptions): Promise<SignOutcome & { report: PrrReport }> {
  const report = await prrCheck(file, o);
  if (!report.ready) {
    const red = report.items.filter((i) => i.status === "red").map((i) => `${i.id}: ${i.reason}`);
    throw new PrrNotReadyError(
      `${file}: not ready to sign — ${report.red} red item(s):\n  ${red.join("\n  ")}`,
    );
  }
  mkdirSync(o.outDir, { recursive: true });
  const signed = attestationFileIn(o.outDir) !== null;
  const changed = Object.entries(renderedFiles(report)).filter(([name, text]) => {
    const p = join(o.outDir, name);
    if (!existsSync(p)) return true;
    const onDisk = readFileSync(p, "utf8");
    // an unsigned folder simply gets today's text; a signed one keeps what its roles signed
    return signed ? !isCurrent(name, onDisk, report) : onDisk !== text;
  });
  if (changed.length) {
    const existing = verifyFolder(o.outDir, PRR_PREDICATE_TYPE).signatures.filter(
      (s) => s.ok && s.role !== o.role,
    );
    if (existing.length && existsSync(join(o.outDir, CHECKLIST_FILE))) {
      throw new SignInputError(
        `${o.outDir}: the checklist changed since ${existing.map((s) => s.role).join(", ")} signed (${changed.map(([n]) => n).join(", ")}); ` +
          `they must re-sign: remove ${attestationFileIn(o.outDir) ?? INTOTO_BUNDLE_FILE} and collect all signatures on the new checklist`,
      );
    }
    for (const [name, text] of changed) writeFileSync(join(o.outDir, name), text);
  }
  const outcome = signFolder(o.outDir, {
    role: o.role,
    keyFile: o.keyFile,
    now: o.now,
    predicateType: PRR_PREDICATE_TYPE,
    predicate: {
      service: report.service,
      checkedOn: report.checkedOn,
      ready: report.ready,
      percent: report.percent,
    },
  });
  return { ...outcome, report };
}

export interface PrrStatus {
  approved: boolean;
  report: PrrReport;
  signatures: VerifyOutcome["signatures"];
  signedRoles: Role[];
  problems: string[];
  /** Not failures: e.g. that the signatures were read from a legacy attestation.dsse.json. */
  notices: string[];
}

/** Approved only when every item is green or validly excepted, the signed checklist is current, and all four roles signed it. */
export async function prrStatus(
  file: string,
  o: PrrCheckOptions & { outDir: string; trustDir?: string },
): Promise<PrrStatus> {
  const report = await prrCheck(file, o);
  const problems: string[] = [];
  if (!report.ready)
    problems.push(
      `${report.red} red item(s): ${report.items
        .filter((i) => i.status === "red")
        .map((i) => i.id)
        .join(", ")}`,
    );
  const v = verifyFolder(o.outDir, PRR_PREDICATE_TYPE, { require: [...ROLES], trustDir: o.trustDir });
  problems.push(...v.problems);
  for (const name of Object.keys(renderedFiles(report))) {
    const p = join(o.outDir, name);
    if (existsSync(p) && !isCurrent(name, readFileSync(p, "utf8"), report))
      problems.push(`${name}: stale — the evidence today differs from what was signed`);
  }
  const signedRoles = ROLES.filter((r) => v.signatures.some((s) => s.ok && s.role === r));
  return {
    approved: problems.length === 0,
    report,
    signatures: v.signatures,
    signedRoles,
    problems,
    notices: v.notices,
  };
}

export type ChecklistWrite =
  | { action: "wrote"; path: string }
  | { action: "unchanged"; path: string }
  /** The folder is signed (by `attestation`) and today's checklist differs: the signed file is left as it was. */
  | { action: "kept-signed"; path: string; attestation: string };

/**
 * `prr check`'s copy of the checklist. Once a role signed the folder its checklist is evidence of
 * what was approved, so a check never rewrites it; the difference shows up in `prr status` as stale.
 */
export function writeCheckChecklist(outDir: string, report: PrrReport): ChecklistWrite {
  const path = join(outDir, CHECKLIST_FILE);
  const text = renderPrrChecklist(report);
  const current = existsSync(path) ? readFileSync(path, "utf8") : null;
  if (current === text) return { action: "unchanged", path };
  const attestation = attestationFileIn(outDir);
  if (current !== null && attestation !== null)
    return isCurrentChecklist(current, report)
      ? { action: "unchanged", path }
      : { action: "kept-signed", path, attestation: join(outDir, attestation) };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path, text);
  return { action: "wrote", path };
}

/** Whether a signed file still says what today's evidence renders. */
function isCurrent(name: string, onDisk: string, report: PrrReport): boolean {
  if (name === CHECKLIST_FILE) return isCurrentChecklist(onDisk, report);
  return onDisk === renderedFiles(report)[name];
}

function renderedFiles(report: PrrReport): Record<string, string> {
  return {
    [CHECKLIST_FILE]: renderPrrChecklist(report),
    [PRR_REPORT_FILE]: `${canonicalJson(report, PRR_REPORT_FILE)}\n`,
  };
}
