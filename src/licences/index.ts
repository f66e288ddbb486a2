// The licence guard: every npm package in package-lock.json and every Go module compiled into the
// Go-built tools must carry a licence policy.ts allows. test/integration/licences.test.ts runs it in
// `make test`; `make licences` prints the table.
import { fileURLToPath } from "node:url";
import type { LicenceFinding } from "./finding.ts";
import { goFindings } from "./go.ts";
import { npmFindings } from "./npm.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function checkLicences(root: string = REPO_ROOT): LicenceFinding[] {
  return [...npmFindings(root), ...goFindings(root)];
}

export { describeFinding, findingsTable, type LicenceFinding, offenders, tally } from "./finding.ts";
export { GoMissingError } from "./go.ts";
export { deniedReferences } from "./references.ts";
