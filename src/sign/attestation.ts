// A folder's attestation: `attestation.dsse.json`, a bundle of DSSE envelopes, one per role. Each
// envelope carries an in-toto Statement whose subjects are every other file in the folder and whose
// predicate names the role and the signer's key — so the role claim is covered by the signature,
// and each role signs (and can re-sign) independently of the others.
import { createPublicKey } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { listFiles } from "./files.ts";
import {
  type Envelope,
  envelopeSchema,
  IN_TOTO_PAYLOAD_TYPE,
  signEnvelope,
  verifySignature,
} from "./dsse.ts";
import { keyidOf, loadPrivateKey, loadTrustDir, publicKeyFromPem } from "./keys.ts";
import {
  ROLES,
  type Role,
  type Statement,
  STATEMENT_TYPE,
  statementSchema,
  subjectsOf,
} from "./statement.ts";
import { SignInputError } from "./errors.ts";

export const ATTESTATION_FILE = "attestation.dsse.json";
export const BUNDLE_MEDIA_TYPE = "application/vnd.gameday.dsse-bundle+json;version=1";

export interface Bundle {
  mediaType: typeof BUNDLE_MEDIA_TYPE;
  envelopes: Envelope[];
}

const bundleSchema = z.strictObject({
  mediaType: z.literal(BUNDLE_MEDIA_TYPE),
  envelopes: z.array(z.unknown()),
});

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
  signatures: Array<{ role: string; keyid: string; ok: boolean }>;
}

/** Files an attestation covers: everything in the folder except the attestation itself. */
export function attestedFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => f !== ATTESTATION_FILE);
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
  const path = join(dir, ATTESTATION_FILE);
  const bundle: Bundle = existsSync(path)
    ? readBundleStrict(path)
    : { mediaType: BUNDLE_MEDIA_TYPE, envelopes: [] };
  const kept: Envelope[] = [];
  for (const env of bundle.envelopes) {
    const claim = claimOf(env);
    if (claim?.role !== o.role) {
      if (claim?.keyid === keyid)
        throw new SignInputError(
          `${path}: key ${keyid} already signed role ${claim.role}; separation of duties needs a different key for role ${o.role}`,
        );
      kept.push(env);
      continue;
    }
    if (claim.keyid !== keyid) {
      throw new SignInputError(
        `${path}: role ${o.role} is already signed by key ${claim.keyid}; remove that signature before signing with key ${keyid}`,
      );
    }
    // the same key re-signing its role replaces its earlier signature
  }
  const env = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key, keyid);
  kept.push(env);
  kept.sort((a, b) => (claimOf(a)?.role ?? "").localeCompare(claimOf(b)?.role ?? ""));
  writeFileSync(path, `${JSON.stringify({ mediaType: BUNDLE_MEDIA_TYPE, envelopes: kept }, null, 2)}\n`);
  return { attestation: path, role: o.role, keyid, subjects: files };
}

export function verifyFolder(dir: string, predicateType: string, o: VerifyOptions = {}): VerifyOutcome {
  const problems: string[] = [];
  const signatures: VerifyOutcome["signatures"] = [];
  const path = join(dir, ATTESTATION_FILE);
  const trusted = Boolean(o.trustDir);
  if (!trusted && o.require?.length)
    problems.push(
      `required roles (${o.require.join(", ")}) cannot be checked without a trust store: with only the keys embedded in the envelopes, anyone can re-sign a changed folder as any role`,
    );
  const fail = (p: string): VerifyOutcome => ({
    ok: false,
    trusted,
    problems: [...problems, p],
    signatures,
  });
  if (!existsSync(path)) return fail(`${ATTESTATION_FILE}: missing — the folder is not signed`);
  let bundle: { envelopes: unknown[] };
  try {
    bundle = readBundle(path);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (!bundle.envelopes.length) problems.push(`${ATTESTATION_FILE}: contains no signatures`);

  const trust = o.trustDir ? loadTrustDir(o.trustDir) : null;
  if (trust) problems.push(...trust.problems);
  const files = attestedFiles(dir);
  const current = new Map(subjectsOf(dir, files).map((s) => [s.name, s.digest.sha256]));
  const validRoles = new Map<string, string[]>();

  bundle.envelopes.forEach((raw, i) => {
    const where = `${ATTESTATION_FILE}: envelope ${i + 1}`;
    const own: string[] = [];
    const parsed = envelopeSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(
        `${where}: malformed envelope: ${parsed.error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; ")}`,
      );
      signatures.push({ role: "?", keyid: "?", ok: false });
      return;
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
      else
        own.push(
          `payload is not a gameday in-toto statement: ${st.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`,
        );
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
  });

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
  return { ok: problems.length === 0, trusted, problems, signatures };
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

function readBundle(path: string): { envelopes: unknown[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new SignInputError(`${ATTESTATION_FILE}: not valid JSON: ${(err as Error).message}`);
  }
  const b = bundleSchema.safeParse(parsed);
  if (!b.success) {
    throw new SignInputError(
      `${ATTESTATION_FILE}: malformed bundle: ${b.error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; ")}`,
    );
  }
  return b.data;
}

/** For signing: every envelope must be well-formed, or we would silently drop someone's signature. */
function readBundleStrict(path: string): Bundle {
  const b = readBundle(path);
  const envelopes = b.envelopes.map((raw, i) => {
    const e = envelopeSchema.safeParse(raw);
    if (!e.success)
      throw new SignInputError(`${path}: envelope ${i + 1} is malformed; fix or remove it before signing`);
    return e.data;
  });
  return { mediaType: BUNDLE_MEDIA_TYPE, envelopes };
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
