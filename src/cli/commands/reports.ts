// `gameday report`, `keygen`, `sign`, `verify`: turn a run or rollout folder into reports and make
// them tamper-evident.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RESULT_FILE, renderReports } from "../../report/index.ts";
import { REPORT_TEMPLATES } from "../../report/render.ts";
import { ROLLOUT_REPORT_TEMPLATES, renderRolloutReports } from "../../rollout/report.ts";
import { ROLLOUT_RESULT_FILE } from "../../rollout/result.ts";
import { ROLLOUT_PREDICATE_TYPE, signRollout, verifyRollout } from "../../rollout/sign.ts";
import {
  INTOTO_BUNDLE_FILE,
  INTOTO_BUNDLE_MEDIA_TYPE,
  keygen,
  LEGACY_ATTESTATION_FILE,
  REPORT_PREDICATE_TYPE,
  ROLES,
  type Role,
  SignInputError,
  signRun,
  verifyRun,
} from "../../sign/index.ts";
import { type Command, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { checkedTemplatesDir } from "../templates-option.ts";

/** What `gameday run` (result.json) or `gameday rollout advance` (rollout.json) left in reports/<run-id>. */
interface ReportFolder {
  kind: "run" | "rollout";
  dir: string;
}

function folderArg(positionals: string[], usage: string): ReportFolder {
  const [dir] = positionals;
  if (!dir) throw new UsageError(`name a run or rollout folder (reports/<run-id>)\nusage: gameday ${usage}`);
  const run = existsSync(join(dir, RESULT_FILE));
  const rollout = existsSync(join(dir, ROLLOUT_RESULT_FILE));
  // Both would make it ambiguous which predicate a signature attests to.
  if (run && rollout)
    throw new UsageError(
      `${dir} holds both ${RESULT_FILE} and ${ROLLOUT_RESULT_FILE}: a folder is either a run or a rollout`,
    );
  if (run) return { kind: "run", dir };
  if (rollout) return { kind: "rollout", dir };
  throw new UsageError(
    `${dir} is not a run folder: it has no ${RESULT_FILE} (nor a rollout folder: it has no ${ROLLOUT_RESULT_FILE})`,
  );
}

const REQUIRE_NEEDS_TRUST =
  "--require needs --trust DIR: without a trust store the signer keys are the ones embedded in the envelopes, so anyone can re-sign a changed folder as any role";
const UNTRUSTED =
  "signer keys were not checked against a trust store (no --trust); anyone could have re-signed this folder";

/** A refused signing (bad key, a role or key already used in the folder) is invalid input: exit 2. */
export async function signingInput<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof SignInputError) throw new UsageError(err.message);
    throw err;
  }
}

export function parseRole(value: string | undefined): Role {
  if (!value) throw new UsageError(`--role is required (${ROLES.join(", ")})`);
  const role = value.toLowerCase() as Role;
  if (!ROLES.includes(role)) throw new UsageError(`unknown role "${value}" (known: ${ROLES.join(", ")})`);
  return role;
}

export function parseRoles(value: string | undefined): Role[] | undefined {
  return value === undefined ? undefined : value.split(",").map((r) => parseRole(r.trim()));
}

export const reportCommand: Command = {
  name: "report",
  summary: "re-render a run's or a rollout's reports from its result and journal",
  usage: "report <run-dir|rollout-dir> [--templates DIR]",
  help: `A run folder (result.json): writes gameday_report.md, report.html, junit.xml, rollback.md and
ic-update.md from result.json and journal.jsonl.
A rollout folder (rollout.json, from gameday rollout advance): writes rollout_report.md and
rollout_report.html from rollout.json and journal.jsonl.
A run or rollout already renders them; use this after changing templates. Re-rendering changes
report bytes, so sign after rendering.

Options:
  --templates DIR   a folder of .hbs files overriding bundled templates by name; a name that is
                    not one of the folder kind's templates, or one that does not parse, is
                    exit 2 before anything is written`,
  options: { templates: { type: "string" } },
  async run(args) {
    const { kind, dir } = folderArg(args.positionals, reportCommand.usage);
    const templatesDir = checkedTemplatesDir(
      str(args, "templates"),
      "--templates",
      kind === "run" ? REPORT_TEMPLATES : ROLLOUT_REPORT_TEMPLATES,
    );
    const files =
      kind === "run"
        ? await renderReports(dir, { templatesDir })
        : renderRolloutReports(dir, { templatesDir });
    for (const f of files) console.log(`wrote ${f}`);
    return EXIT.ok;
  },
};

export const keygenCommand: Command = {
  name: "keygen",
  summary: "create an Ed25519 key pair for signing reports",
  usage: "keygen --out DIR [--name NAME]",
  help: `Writes <name>.key.pem (PEM private key, mode 0600) and <name>.pub.pem (PEM public key) into DIR,
copies the public key into DIR/trusted/ and prints the key id (sha256 of the SPKI public key).
Generate every role's key into the same DIR and DIR/trusted is the trust store verifiers use
(gameday verify --trust DIR/trusted); give that folder, never DIR, to others. Never overwrites.

Options:
  --out DIR     folder for the key files (created if missing)
  --name NAME   file name stem (default gameday)`,
  options: { out: { type: "string" }, name: { type: "string" } },
  async run(args) {
    const out = str(args, "out");
    if (!out) throw new UsageError("--out DIR is required");
    const k = await signingInput(() => keygen(out, str(args, "name")));
    console.log(
      `private key ${k.privateKey}\npublic key  ${k.publicKey}\ntrusted     ${k.trustedPublicKey}\nkeyid       ${k.keyid}`,
    );
    return EXIT.ok;
  },
};

export const signCommand: Command = {
  name: "sign",
  summary: "sign a run's or a rollout's reports for one role (sre, security, product, platform)",
  usage: "sign <run-dir|rollout-dir> --role R --key FILE",
  help: `Appends a DSSE envelope (in-toto Statement v1 whose subjects are the sha256 digests of every
other file in the folder) signed with Ed25519 to <dir>/${INTOTO_BUNDLE_FILE}, one line per role: an
in-toto attestation bundle (${INTOTO_BUNDLE_MEDIA_TYPE}, JSON Lines of DSSE envelopes) that
in-toto and DSSE tools read. Earlier lines are never rewritten; the same key re-signing its
own role replaces only its own line. A folder signed in the legacy ${LEGACY_ATTESTATION_FILE}
format has its signatures carried over into ${INTOTO_BUNDLE_FILE} and the old file removed.
A run folder (result.json) is signed with predicate type ${REPORT_PREDICATE_TYPE}, a rollout
folder (rollout.json) with ${ROLLOUT_PREDICATE_TYPE}, so neither passes for the other.

Options:
  --role R     ${ROLES.join(" | ")}
  --key FILE   PEM private key (gameday keygen)`,
  options: { role: { type: "string" }, key: { type: "string" } },
  async run(args) {
    const { kind, dir } = folderArg(args.positionals, signCommand.usage);
    const role = parseRole(str(args, "role"));
    const keyFile = str(args, "key");
    if (!keyFile) throw new UsageError("--key FILE is required");
    const sign = kind === "run" ? signRun : signRollout;
    const out = await signingInput(() => sign(dir, { role, keyFile }));
    for (const n of out.notices) console.error(`notice: ${n}`);
    console.log(
      `signed ${out.subjects.length} files as ${out.role} (keyid ${out.keyid}) → ${out.attestation}`,
    );
    return EXIT.ok;
  },
};

export const verifyCommand: Command = {
  name: "verify",
  summary: "verify every signature and digest of a signed run or rollout",
  usage: "verify <run-dir|rollout-dir> [--require sre,security,product,platform --trust DIR]",
  help: `Checks every line of ${INTOTO_BUNDLE_FILE} (a line that is not a valid DSSE envelope fails,
named by its number), every signature, every subject digest against the files in the folder
(a changed, added or removed byte fails), and that each required role signed with its own key
(separation of duties: one key holding two required roles fails). A run folder (result.json)
needs run signatures, a rollout folder (rollout.json) rollout signatures.
A folder signed in the legacy ${LEGACY_ATTESTATION_FILE} format is still read, with a notice.
Exit 0 when valid, 1 when not, naming every reason.

Who signed is only known with --trust: without it each signature is checked against the public
key embedded in its own envelope, so anyone who changes the files can re-sign them. Therefore
--require without --trust is a usage error (exit 2), and without either the output says
UNTRUSTED: the folder matches its own signatures, nothing more.

Options:
  --require ROLES   comma-separated roles that must have signed (needs --trust)
  --trust DIR       folder of trusted public keys (.pub.pem, e.g. keygen's DIR/trusted);
                    signatures by other keys fail, and so does a private key in it`,
  options: { require: { type: "string" }, trust: { type: "string" } },
  async run(args) {
    const { kind, dir } = folderArg(args.positionals, verifyCommand.usage);
    const require = parseRoles(str(args, "require"));
    const trustDir = str(args, "trust");
    if (require && !trustDir) throw new UsageError(REQUIRE_NEEDS_TRUST);
    const out = (kind === "run" ? verifyRun : verifyRollout)(dir, { require, trustDir });
    for (const n of out.notices) console.error(`notice: ${n}`);
    for (const s of out.signatures) console.log(`${s.ok ? "ok  " : "BAD "} ${s.role.padEnd(9)} ${s.keyid}`);
    for (const p of out.problems) console.error(`problem: ${p}`);
    if (!out.trusted) console.error(`WARNING: ${UNTRUSTED}`);
    console.log(
      out.ok ? (out.trusted ? "verified" : `verified UNTRUSTED (${UNTRUSTED})`) : "verification FAILED",
    );
    return out.ok ? EXIT.ok : EXIT.fail;
  },
};
