// Signing and verifying a gameday run folder (reports/<run-id>/).
import { readResult } from "../report/index.ts";
import {
  type SignOutcome,
  signFolder,
  type VerifyOptions,
  type VerifyOutcome,
  verifyFolder,
} from "./attestation.ts";
import type { Role } from "./statement.ts";

export const REPORT_PREDICATE_TYPE = "https://gameday.dev/report/v1";

export function signRun(runDir: string, o: { role: Role; keyFile: string; now?: Date }): SignOutcome {
  const result = readResult(runDir);
  return signFolder(runDir, {
    role: o.role,
    keyFile: o.keyFile,
    now: o.now,
    predicateType: REPORT_PREDICATE_TYPE,
    predicate: { runId: result.runId, verdict: result.verdict, profile: result.profile, scale: result.scale },
  });
}

export function verifyRun(runDir: string, o: VerifyOptions = {}): VerifyOutcome {
  return verifyFolder(runDir, REPORT_PREDICATE_TYPE, o);
}
