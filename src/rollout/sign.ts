// Signing and verifying a rollout folder (reports/<run-id>/ with rollout.json). Its own predicate
// type, so a signature over a gameday run can never pass as approval of a rollout, nor the reverse.
import {
  type SignOutcome,
  signFolder,
  type VerifyOptions,
  type VerifyOutcome,
  verifyFolder,
} from "../sign/attestation.ts";
import type { Role } from "../sign/statement.ts";
import { readRolloutResult } from "./result-file.ts";

export const ROLLOUT_PREDICATE_TYPE = "https://gameday.dev/rollout/v1";

export function signRollout(dir: string, o: { role: Role; keyFile: string; now?: Date }): SignOutcome {
  // Read (and validate) first: a folder whose rollout.json is broken is not something to approve.
  const r = readRolloutResult(dir);
  return signFolder(dir, {
    role: o.role,
    keyFile: o.keyFile,
    now: o.now,
    predicateType: ROLLOUT_PREDICATE_TYPE,
    predicate: {
      runId: r.runId,
      rollout: r.rollout,
      outcome: r.outcome,
      profile: r.profile,
      endPhase: r.endPhase,
      share: r.share,
    },
  });
}

export function verifyRollout(dir: string, o: VerifyOptions = {}): VerifyOutcome {
  return verifyFolder(dir, ROLLOUT_PREDICATE_TYPE, o);
}
