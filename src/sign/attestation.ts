// A folder's attestation: `intoto.jsonl`, an in-toto attestation bundle holding one DSSE envelope
// per role. Each envelope carries an in-toto Statement whose subjects are every other file in the
// folder and whose predicate names the role and the signer's key — so the role claim is covered by
// the signature, and each role signs (and can re-sign) independently of the others. Folders signed
// before the bundle format (`attestation.dsse.json`) are still read, and converted when re-signed.
import { createPublicKey } from "node:crypto";
import { existsSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { appendEnvelope, envelopeLine, INTOTO_BUNDLE_FILE, readBundleFile, writeBundle } from "./bundle.ts";
import {
  type Envelope,
  envelopeSchema,
  IN_TOTO_PAYLOAD_TYPE,
  signEnvelope,
  verifySignature,
} from "./dsse.ts";
import { SignInputError } from "./errors.ts";
import { listFiles } from "./files.ts";
import { keyidOf, loadPrivateKey, loadTrustDir, publicKeyFromPem } from "./keys.ts";
import { LEGACY_ATTESTATION_FILE, LEGACY_READ_NOTICE, readLegacyBundle } from "./legacy-bundle.ts";
import {
  ROLES,
  type Role,
  type Statement,
  STATEMENT_TYPE,
  statementSchema,
  subjectsOf,
} from "./statement.ts";

export interface SignFolderOptions {
  role: Role;
  keyFile: string;
  predicateType: string;
  /** Extra predicate fields (runId, verdict, …); role, signer and signedAt are added. */
  predicate: Record<string, unknown>;
  now?: Date;
}

export interface SignOutcome {
  attestation: string;
  role: Role;
  keyid: string;
  subjects: string[];
  /** What signing did besides adding a line (carried a legacy file over, replaced the role's own line). */
  notices: string[];
}

export interface VerifyOptions {
  /** Roles that must each have a valid signature. */
  require?: Role[];
  /**
   * Folder of trusted public keys. Without it a signature is only checked against the key embedded
   * in its own payload, which proves nothing about who signed: anyone can re-sign a changed folder.
   * So `require` without `trustDir` always fails.
   */
  trustDir?: string;
}

export interface VerifyOutcome {
  ok: boolean;
  /** Whether signer keys were checked against a trust store; false means "self-consistent" at best. */
  trusted: boolean;
  problems: string[];
  /** Not failures: e.g. that the signatures were read from a legacy attestation.dsse.json. */
  notices: string[];
  signatures: Array<{ role: string; keyid: string; ok: boolean }>;
}

/** The attestation file a folder holds, preferring the in-toto bundle; null when it is not signed. */
export function attestationFileIn(dir: string): string | null {
  if (existsSync(join(dir, INTOTO_BUNDLE_FILE))) return INTOTO_BUNDLE_FILE;
  if (existsSync(join(dir, LEGACY_ATTESTATION_FILE))) return LEGACY_ATTESTATION_FILE;
  return null;
}

/** Files an attestation covers: everything in the folder except the attestation files themselves. */
export function attestedFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => f !== INTOTO_BUNDLE_FILE && f !== LEGACY_ATTESTATION_FILE);
}

/** An envelope already in the folder, while signing: where it is, its exact line text, and the envelope. */
interface HeldEnvelope {
  where: string;
  text: string;
  env: Envelope;
}

export function signFolder(dir: string, o: SignFolderOptions): SignOutcome {
  if (!(ROLES as readonly string[]).includes(o.role))
    throw new SignInputError(`role "${o.role}": expected one of ${ROLES.join(", ")}`);
  const key = loadPrivateKey(o.keyFile);
  const publicKey = createPublicKey(key);
  const keyid = keyidOf(publicKey);
  const files = attestedFiles(dir);
  if (!files.length) throw new SignInputError(`${dir}: nothing to sign (no files)`);
  const statement: Statement = {
    _type: STATEMENT_TYPE,
    subject: subjectsOf(dir, files),
    predicateType: o.predicateType,
    predicate: {
      ...o.predicate,
      role: o.role,
      signer: { keyid, publicKey: publicKey.export({ type: "spki", format: "pem" }).toString() },
      signedAt: (o.now ?? new Date()).toISOString(),
    },
  };
  const path = join(dir, INTOTO_BUNDLE_FILE);
  const { held, legacy } = heldEnvelopes(dir);
  const kept: HeldEnvelope[] = [];
  const replaced: HeldEnvelope[] = [];
  for (const h of held) {
    const claim = claimOf(h.env);
    if (claim?.role !== o.role) {
      if (claim?.keyid === keyid)
        throw new SignInputError(
          `${join(dir, h.where)}: key ${keyid} already signed role ${claim.role}; separation of duties needs a different key for role ${o.role}`,
        );
      kept.push(h);
      continue;
    }
    if (claim.keyid !== keyid) {
      throw new SignInputError(
        `${join(dir, h.where)}: role ${o.role} is already signed by key ${claim.keyid}; remove that signature before signing with key ${keyid}`,
      );
    }
    // the same key re-signing its role replaces its earlier signature
    replaced.push(h);
  }
  const env = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key, keyid);
  const notices: string[] = [];
  if (replaced.length)
    notices.push(
      `replaced role ${o.role}'s earlier signature by the same key (${replaced.map((h) => h.where).join(", ")}); the other signatures are unchanged`,
    );
  if (legacy) {
    // Carry every signature over, then drop the old file: two attestation files would leave a
    // verifier guessing which one counts.
    writeBundle(path, [...kept.map((h) => h.text), envelopeLine(env).trimEnd()]);
    unlinkSync(join(dir, LEGACY_ATTESTATION_FILE));
    notices.push(
      `carried ${kept.length} signature(s) from legacy ${LEGACY_ATTESTATION_FILE} (gameday bundle format) into ${INTOTO_BUNDLE_FILE} and removed ${LEGACY_ATTESTATION_FILE}`,
    );
  } else if (replaced.length) {
    writeBundle(path, [...kept.map((h) => h.text), envelopeLine(env).trimEnd()]);
  } else {
    appendEnvelope(path, env);
  }
  return { attestation: path, role: o.role, keyid, subjects: files, notices };
}

/**
 * The envelopes signing must keep. Every one must be well-formed, or signing would silently drop
 * someone's signature (or skip it when checking separation of duties).
 */
function heldEnvelopes(dir: string): { held: HeldEnvelope[]; legacy: boolean } {
  const file = attestationFileIn(dir);
  if (file === null) return { held: [], legacy: false };
  if (file === INTOTO_BUNDLE_FILE) {
    if (existsSync(join(dir, LEGACY_ATTESTATION_FILE)))
      throw new SignInputError(
        `${dir}: holds both ${INTOTO_BUNDLE_FILE} and a legacy ${LEGACY_ATTESTATION_FILE}; remove the one that is out of date before signing`,
      );
    const path = join(dir, INTOTO_BUNDLE_FILE);
    const held = readBundleFile(path).map((l): HeldEnvelope => {
      if ("error" in l)
        throw new SignInputError(`${path}: line ${l.line}: ${l.error}; fix or remove it before signing`);
      const e = envelopeSchema.safeParse(l.json);
      if (!e.success)
        throw new SignInputError(
          `${path}: line ${l.line} is not a valid DSSE envelope (${issuesOf(e.error)}); fix or remove it before signing`,
        );
      return { where: `${INTOTO_BUNDLE_FILE}: line ${l.line}`, text: l.text, env: e.data };
    });
    return { held, legacy: false };
  }
  const path = join(dir, LEGACY_ATTESTATION_FILE);
  const held = readLegacyBundle(path).map((raw, i): HeldEnvelope => {
    const e = envelopeSchema.safeParse(raw);
    if (!e.success)
      throw new SignInputError(`${path}: envelope ${i + 1} is malformed; fix or remove it before signing`);
    return {
      where: `${LEGACY_ATTESTATION_FILE}: envelope ${i + 1}`,
      text: envelopeLine(e.data).trimEnd(),
      env: e.data,
    };
  });
  return { held, legacy: true };
}

/** An attestation entry to verify: a parsed line or legacy envelope, or why it could not be parsed. */
type Entry = { where: string; raw: unknown } | { where: string; error: string };

type ReadAttestation =
  | { kind: "missing" }
  | { kind: "unreadable"; problem: string; notices: string[] }
  | { kind: "read"; file: string; entries: Entry[]; problems: string[]; notices: string[] };

function readAttestation(dir: string): ReadAttestation {
  const file = attestationFileIn(dir);
  if (file === null) return { kind: "missing" };
  if (file === INTOTO_BUNDLE_FILE) {
    const entries = readBundleFile(join(dir, file)).map(
      (l): Entry =>
        "error" in l
          ? { where: `${file}: line ${l.line}`, error: l.error }
          : { where: `${file}: line ${l.line}`, raw: l.json },
    );
    const problems = existsSync(join(dir, LEGACY_ATTESTATION_FILE))
      ? [
          `${LEGACY_ATTESTATION_FILE}: a legacy attestation beside ${INTOTO_BUNDLE_FILE}; only ${INTOTO_BUNDLE_FILE} is read, and an unsigned file in a signed folder fails; remove the one that is out of date`,
        ]
      : [];
    return { kind: "read", file, entries, problems, notices: [] };
  }
  const notices = [LEGACY_READ_NOTICE];
  try {
    const entries = readLegacyBundle(join(dir, file)).map(
      (raw, i): Entry => ({ where: `${file}: envelope ${i + 1}`, raw }),
    );
    return { kind: "read", file, entries, problems: [], notices };
  } catch (err) {
    return { kind: "unreadable", problem: (err as Error).message, notices };
  }
}

export function verifyFolder(dir: string, predicateType: string, o: VerifyOptions = {}): VerifyOutcome {
  const problems: string[] = [];
  const signatures: VerifyOutcome["signatures"] = [];
  const trusted = Boolean(o.trustDir);
  if (!trusted && o.require?.length)
    problems.push(
      `required roles (${o.require.join(", ")}) cannot be checked without a trust store: with only the keys embedded in the envelopes, anyone can re-sign a changed folder as any role`,
    );
  const read = readAttestation(dir);
  const notices = read.kind === "missing" ? [] : read.notices;
  const fail = (p: string): VerifyOutcome => ({
    ok: false,
    trusted,
    problems: [...problems, p],
    notices,
    signatures,
  });
  if (read.kind === "missing") return fail(`${INTOTO_BUNDLE_FILE}: missing — the folder is not signed`);
  if (read.kind === "unreadable") return fail(read.problem);
  problems.push(...read.problems);
  if (!read.entries.length) problems.push(`${read.file}: contains no signatures`);

  const trust = o.trustDir ? loadTrustDir(o.trustDir) : null;
  if (trust) problems.push(...trust.problems);
  const files = attestedFiles(dir);
  const current = new Map(subjectsOf(dir, files).map((s) => [s.name, s.digest.sha256]));
  const validRoles = new Map<string, string[]>();

  for (const entry of read.entries) {
    const { where } = entry;
    if ("error" in entry) {
      problems.push(`${where}: ${entry.error}`);
      signatures.push({ role: "?", keyid: "?", ok: false });
      continue;
    }
    const own: string[] = [];
    const parsed = envelopeSchema.safeParse(entry.raw);
    if (!parsed.success) {
      problems.push(`${where}: malformed envelope: ${issuesOf(parsed.error)}`);
      signatures.push({ role: "?", keyid: "?", ok: false });
      continue;
    }
    const env = parsed.data;
    let statement: z.output<typeof statementSchema> | null = null;
    if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE)
      own.push(`payloadType is "${env.payloadType}", expected "${IN_TOTO_PAYLOAD_TYPE}"`);
    if (env.signatures.length !== 1)
      own.push(`has ${env.signatures.length} signatures, expected exactly one (one envelope per role)`);
    try {
      const st = statementSchema.safeParse(JSON.parse(Buffer.from(env.payload, "base64").toString("utf8")));
      if (st.success) statement = st.data;
      else own.push(`payload is not a gameday in-toto statement: ${issuesOf(st.error)}`);
    } catch {
      own.push("payload is not valid JSON");
    }
    const sig = env.signatures[0]!;
    const role = statement?.predicate.role ?? "?";
    const label = `${where} (role ${role}, key ${sig.keyid.slice(0, 16)}…)`;
    if (statement) {
      if (statement.predicateType !== predicateType)
        own.push(`predicateType is "${statement.predicateType}", expected "${predicateType}"`);
      if (statement.predicate.signer.keyid !== sig.keyid)
        own.push(
          `signature keyid does not match the signer named in the payload (${statement.predicate.signer.keyid})`,
        );
      let key = trust?.keys.get(sig.keyid) ?? null;
      if (trust && !key) own.push(`signed by untrusted key ${sig.keyid} (not in ${o.trustDir})`);
      if (!trust) {
        try {
          const embedded = publicKeyFromPem(statement.predicate.signer.publicKey, "signer.publicKey");
          if (keyidOf(embedded) !== sig.keyid)
            own.push("signer.publicKey does not hash to the signature's keyid");
          else key = embedded;
        } catch (err) {
          own.push((err as Error).message);
        }
      }
      if (key && !verifySignature(env, sig, key))
        own.push("signature does not verify: the payload or signature was changed");
      own.push(...subjectProblems(statement.subject, current));
    }
    const ok = own.length === 0;
    signatures.push({ role, keyid: sig.keyid, ok });
    for (const p of own) problems.push(`${label}: ${p}`);
    if (ok) validRoles.set(role, [...(validRoles.get(role) ?? []), sig.keyid]);
  }

  for (const [role, keyids] of validRoles) {
    if (keyids.length > 1)
      problems.push(
        `role ${role} is claimed ${keyids.length} times (keys ${keyids.join(", ")}); one signature per role`,
      );
  }
  for (const role of o.require ?? []) {
    if (!validRoles.has(role)) problems.push(`required role ${role} has no valid signature`);
  }
  problems.push(...separationProblems(validRoles, o.require ?? []));
  return { ok: problems.length === 0, trusted, problems, notices, signatures };
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; ");
}

/**
 * Separation of duties: requiring several roles means requiring several people, so one key may hold
 * at most one of the required roles (otherwise one person could approve as SRE, Security, Product
 * and Platform at once).
 */
function separationProblems(validRoles: Map<string, string[]>, required: readonly string[]): string[] {
  const rolesByKey = new Map<string, string[]>();
  for (const role of required)
    for (const keyid of validRoles.get(role) ?? [])
      rolesByKey.set(keyid, [...(rolesByKey.get(keyid) ?? []), role]);
  return [...rolesByKey]
    .filter(([, roles]) => roles.length > 1)
    .map(
      ([keyid, roles]) =>
        `separation of duties: key ${keyid} signed ${roles.length} required roles (${roles.join(", ")}); each required role needs its own key`,
    );
}

function subjectProblems(
  subjects: Array<{ name: string; digest: { sha256: string } }>,
  current: Map<string, string>,
): string[] {
  const out: string[] = [];
  const signed = new Map<string, string>();
  for (const s of subjects) {
    if (signed.has(s.name)) out.push(`subject ${s.name} listed twice`);
    signed.set(s.name, s.digest.sha256);
  }
  for (const [name, digest] of signed) {
    const now = current.get(name);
    if (now === undefined) out.push(`${name}: signed file was removed`);
    else if (now !== digest)
      out.push(
        `${name}: content changed since signing (sha256 ${now.slice(0, 12)}… ≠ signed ${digest.slice(0, 12)}…)`,
      );
  }
  for (const name of current.keys()) if (!signed.has(name)) out.push(`${name}: file added after signing`);
  return out;
}

/** The role and key an envelope claims (unverified: for bookkeeping while signing). */
function claimOf(env: Envelope): { role: string; keyid: string } | null {
  try {
    const st = statementSchema.safeParse(JSON.parse(Buffer.from(env.payload, "base64").toString("utf8")));
    return st.success ? { role: st.data.predicate.role, keyid: env.signatures[0]?.keyid ?? "" } : null;
  } catch {
    return null;
  }
}
