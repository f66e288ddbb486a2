// prr_checklist.md in the seed's format: one ☑/☐ line per category, the evidence under it, and the
// sign-off line. The file is what the four roles sign, so it must render identically for the same
// evidence on the same day (no clock time, stable order).
import type { Role } from "../sign/index.ts";
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
  /** Roles with a valid signature, for display only; the signed file always shows ☐ (signatures live in attestation.dsse.json). */
  signed?: Role[];
}

export function renderPrrChecklist(report: PrrReport, o: ChecklistOptions = {}): string {
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
    "Signatures: `attestation.dsse.json` beside this file, one DSSE envelope per role (`gameday verify`).",
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
