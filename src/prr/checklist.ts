// prr_checklist.md in the seed's format: one ☑/☐ line per category, the evidence under it, and the
// sign-off line. The file is what the four roles sign, so it must render identically for the same
// evidence on the same day (no clock time, stable order).
import { INTOTO_BUNDLE_FILE, LEGACY_ATTESTATION_FILE, type Role } from "../sign/index.ts";
import type { ItemResult, PrrReport } from "./check.ts";
import { CATEGORIES, CATEGORY_LABELS } from "./schema.ts";

export const CHECKLIST_FILE = "prr_checklist.md";

const ROLE_LABEL: Record<Role, string> = {
  sre: "SRE",
  security: "Security",
  product: "Product",
  platform: "Platform",
};
const SIGN_ORDER: Role[] = ["sre", "security", "product", "platform"];

export interface ChecklistOptions {
  /** Roles with a valid signature, for display only; the signed file always shows ☐ (signatures live in intoto.jsonl). */
  signed?: Role[];
}

const SIGNATURES_LINE = `Signatures: \`${INTOTO_BUNDLE_FILE}\` beside this file, an in-toto attestation bundle with one DSSE envelope per role (\`gameday prr status\`).`;
/** The same line as checklists signed before intoto.jsonl rendered it, byte for byte. */
const LEGACY_SIGNATURES_LINE = `Signatures: \`${LEGACY_ATTESTATION_FILE}\` beside this file, one DSSE envelope per role (\`gameday verify\`).`;

/**
 * Whether a checklist on disk is the one today's evidence renders. A checklist signed before the
 * in-toto bundle differs only in the line pointing at its signatures file; it is the same
 * checklist, and counting it stale would void every sign-off made then (and carried into
 * intoto.jsonl by a later signature, the roles' signed text keeps the old pointer).
 */
export function isCurrentChecklist(text: string, report: PrrReport): boolean {
  return text === renderPrrChecklist(report) || text === render(report, {}, LEGACY_SIGNATURES_LINE);
}

export function renderPrrChecklist(report: PrrReport, o: ChecklistOptions = {}): string {
  return render(report, o, SIGNATURES_LINE);
}

function render(report: PrrReport, o: ChecklistOptions, signaturesLine: string): string {
  const o2 = report.owners;
  const lines = [
    `# PRR checklist — ${report.service}`,
    "",
    "```md",
    `Service: ${report.service}`,
    `Owners: Product (${o2.product}), Platform (${o2.platform}), SRE (${o2.sre}), Security (${o2.security})`,
    "",
  ];
  const detail: string[] = [];
  for (const cat of CATEGORIES) {
    const items = report.items.filter((i) => i.category === cat);
    if (!items.length) continue;
    const done = items.every((i) => i.status !== "red");
    lines.push(`[${done ? "☑" : "☐"}] ${CATEGORY_LABELS[cat]}: ${items.map((i) => i.title).join(", ")}`);
    detail.push(`### ${CATEGORY_LABELS[cat]}`, "", ...items.map(itemLine), "");
  }
  const signed = new Set(o.signed ?? []);
  lines.push(
    `Sign-off: ${SIGN_ORDER.map((r) => `${ROLE_LABEL[r]} ${signed.has(r) ? "☑" : "☐"}`).join("  ")}   Date: ${report.checkedOn}`,
    "```",
    "",
    `Readiness: ${report.percent}% — ${report.green} green, ${report.excepted} excepted, ${report.red} red. ${
      report.ready ? "Every item is green or validly excepted." : "NOT READY: red items below."
    }`,
    signaturesLine,
    "",
    "## Evidence",
    "",
    ...detail,
  );
  return `${lines.join("\n").trimEnd()}\n`;
}

function itemLine(i: ItemResult): string {
  const box = i.status === "green" ? "☑" : i.status === "excepted" ? "☑ (exception)" : "☐";
  const evidence = i.evidence.length ? ` — evidence: ${i.evidence.map((e) => `\`${e}\``).join(", ")}` : "";
  return `- ${box} **${i.title}** (\`${i.id}\`, ${i.kind}): ${i.reason}${evidence}`;
}
