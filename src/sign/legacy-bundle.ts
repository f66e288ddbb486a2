// The attestation format gameday wrote before it wrote in-toto bundles: `attestation.dsse.json`,
// one JSON object {mediaType, envelopes[]}. No other tool reads it, so it is never written again;
// it is read so that run, PRR and rollout folders signed back then still verify, and signing such
// a folder carries its envelopes over into intoto.jsonl (the DSSE signatures cover PAE(type,
// payload), not the JSON around them, so they stay valid in their new line).
import { readFileSync } from "node:fs";
import { z } from "zod";
import { INTOTO_BUNDLE_FILE } from "./bundle.ts";
import { SignInputError } from "./errors.ts";

export const LEGACY_ATTESTATION_FILE = "attestation.dsse.json";
export const LEGACY_BUNDLE_MEDIA_TYPE = "application/vnd.gameday.dsse-bundle+json;version=1";

export const LEGACY_READ_NOTICE = `read legacy ${LEGACY_ATTESTATION_FILE} (gameday bundle format); re-sign to write ${INTOTO_BUNDLE_FILE} (the next signature by any role carries these signatures over)`;

const legacyBundleSchema = z.strictObject({
  mediaType: z.literal(LEGACY_BUNDLE_MEDIA_TYPE),
  envelopes: z.array(z.unknown()),
});

/** The envelopes of a legacy bundle, unvalidated; throws when the file is not such a bundle at all. */
export function readLegacyBundle(path: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new SignInputError(`${LEGACY_ATTESTATION_FILE}: not valid JSON: ${(err as Error).message}`);
  }
  const b = legacyBundleSchema.safeParse(parsed);
  if (!b.success) {
    throw new SignInputError(
      `${LEGACY_ATTESTATION_FILE}: malformed bundle: ${b.error.issues.map((x) => `${x.path.join(".") || "(root)"}: ${x.message}`).join("; ")}`,
    );
  }
  return b.data.envelopes;
}
