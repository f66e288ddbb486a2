// The in-toto Statement v1 a signer attests to: every file of a folder by name and sha256.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";

export const ROLES = ["sre", "security", "product", "platform"] as const;
export type Role = (typeof ROLES)[number];

export interface Subject {
  name: string;
  digest: { sha256: string };
}

/** What every gameday predicate carries: the role is inside the signed payload, so it cannot be swapped. */
export interface SignerPredicate {
  role: Role;
  signer: { keyid: string; publicKey: string };
  signedAt: string;
  [extra: string]: unknown;
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: SignerPredicate;
}

export const statementSchema = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(
    z.strictObject({
      name: z.string().min(1),
      digest: z.strictObject({
        sha256: z.string().regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lowercase hex digits"),
      }),
    }),
  ),
  predicateType: z.string().min(1),
  predicate: z.looseObject({
    role: z.enum(ROLES),
    signer: z.strictObject({ keyid: z.string(), publicKey: z.string() }),
    signedAt: z.string(),
  }),
});

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function subjectsOf(dir: string, files: string[]): Subject[] {
  return files.map((name) => ({ name, digest: { sha256: sha256File(join(dir, name)) } }));
}
