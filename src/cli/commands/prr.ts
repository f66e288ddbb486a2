// `gameday prr check|sign|status <file>`: the production-readiness review.
import { join } from "node:path";
import {
  CHECKLIST_FILE,
  prrCheck,
  prrSign,
  PrrNotReadyError,
  prrStatus,
  type PrrReport,
  writeCheckChecklist,
} from "../../prr/index.ts";
import {
  INTOTO_BUNDLE_FILE,
  INTOTO_BUNDLE_MEDIA_TYPE,
  LEGACY_ATTESTATION_FILE,
  ROLES,
} from "../../sign/index.ts";
import { type Command, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { table, type TableOptions, terminalWidth } from "../table.ts";
import { parseRole, signingInput } from "./reports.ts";

const DEFAULT_OUT = join("reports", "prr");

/** What `prr check` and `prr status` print: every item with its reason, then the tally. */
export function prrReportText(r: PrrReport, o: TableOptions = {}): string {
  return [
    `PRR ${r.service} — checked ${r.checkedOn}`,
    table(
      ["status", "category", "item", "reason"],
      r.items.map((i) => [i.status.toUpperCase(), i.category, i.id, i.reason]),
      o,
    ),
    `\n${r.green} green, ${r.excepted} excepted, ${r.red} red — ${r.percent.toFixed(0)}% ready${r.ready ? "" : " (not ready)"}`,
  ].join("\n");
}

function printReport(r: PrrReport): void {
  console.log(prrReportText(r, { width: terminalWidth() }));
}

export const prrCommand: Command = {
  name: "prr",
  summary: "production-readiness review: evidence checks, exceptions, per-role sign-off",
  usage: "prr check|sign|status <file> [--role R --key FILE] [--out DIR] [--trust DIR]",
  help: `check   runs every evidence check of the PRR file (runbooks, alert rules per SLO, last
        gameday per scenario, pinned dependencies, SBOM, …) and manual attestations; prints
        items green / excepted / red and the readiness %, writes ${CHECKLIST_FILE} into --out
        (never over a signed one: a signed checklist is kept and reported stale instead);
        exit 0 when ready, 1 when not
sign    signs the rendered ${CHECKLIST_FILE} for one role: appends its DSSE envelope to
        ${INTOTO_BUNDLE_FILE} in --out (an in-toto attestation bundle, ${INTOTO_BUNDLE_MEDIA_TYPE});
        exit 1 while any item is red, 2 when the key cannot sign (unreadable, or it already
        signed another role). A folder signed in the legacy ${LEGACY_ATTESTATION_FILE} format
        has its signatures carried over into ${INTOTO_BUNDLE_FILE} (the old file is removed)
status  approved only when every item is green or validly excepted (owner, granted and due
        date; due ≤ 14 days after granted, not expired) and all four roles (${ROLES.join(", ")}) signed the current checklist,
        each with its own key from --trust DIR (required: without it anyone could sign);
        a legacy ${LEGACY_ATTESTATION_FILE} is still read, with a notice

Options:
  --role R      ${ROLES.join(" | ")} (sign)
  --key FILE    PEM private key (sign)
  --out DIR     where ${CHECKLIST_FILE} and its signatures go (default ${DEFAULT_OUT})
  --trust DIR   trusted public keys (status; required there)`,
  options: {
    role: { type: "string" },
    key: { type: "string" },
    out: { type: "string" },
    trust: { type: "string" },
  },
  async run(args) {
    const [action, file] = args.positionals;
    if (!file) throw new UsageError(`usage: gameday ${prrCommand.usage}`);
    const outDir = str(args, "out") ?? DEFAULT_OUT;
    switch (action) {
      case "check": {
        const report = await prrCheck(file);
        printReport(report);
        const w = writeCheckChecklist(outDir, report);
        if (w.action === "wrote") console.log(`wrote ${w.path}`);
        else if (w.action === "unchanged") console.log(`${w.path} is current`);
        else
          console.log(
            `kept the signed ${w.path}: today's evidence renders a different checklist, so its signatures are stale (gameday prr status); a new sign-off starts by removing ${w.attestation}`,
          );
        return report.ready ? EXIT.ok : EXIT.fail;
      }
      case "sign": {
        const keyFile = str(args, "key");
        if (!keyFile) throw new UsageError("--key FILE is required");
        const role = parseRole(str(args, "role"));
        let out: Awaited<ReturnType<typeof prrSign>>;
        try {
          out = await signingInput(() => prrSign(file, { role, keyFile, outDir }));
        } catch (err) {
          if (!(err instanceof PrrNotReadyError)) throw err;
          console.error(`gameday prr: ${err.message}`);
          return EXIT.fail;
        }
        for (const n of out.notices) console.error(`notice: ${n}`);
        console.log(`signed ${CHECKLIST_FILE} as ${out.role} (keyid ${out.keyid}) → ${out.attestation}`);
        return EXIT.ok;
      }
      case "status": {
        const trustDir = str(args, "trust");
        if (!trustDir)
          throw new UsageError(
            "prr status needs --trust DIR: approval requires all four roles, and without a trust store the signer keys are the ones embedded in the envelopes, so anyone can sign as any role",
          );
        const s = await prrStatus(file, { outDir, trustDir });
        for (const n of s.notices) console.error(`notice: ${n}`);
        printReport(s.report);
        console.log(`signed by: ${s.signedRoles.join(", ") || "nobody yet"}`);
        for (const p of s.problems) console.error(`problem: ${p}`);
        console.log(s.approved ? "APPROVED" : "NOT APPROVED");
        return s.approved ? EXIT.ok : EXIT.fail;
      }
      default:
        throw new UsageError(`prr needs check, sign or status${action ? ` (got "${action}")` : ""}`);
    }
  },
};
