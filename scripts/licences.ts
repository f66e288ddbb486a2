// make licences: the licence of every npm package and Go module gameday depends on, a tally per
// licence, and the offenders. Exits 1 when any dependency fails the policy (src/licences/policy.ts).
import {
  checkLicences,
  deniedReferences,
  describeFinding,
  findingsTable,
  GoMissingError,
  type LicenceFinding,
  offenders,
  tally,
} from "../src/licences/index.ts";

let findings: LicenceFinding[];
try {
  findings = checkLicences();
} catch (err) {
  if (!(err instanceof GoMissingError)) throw err;
  console.error(`licences: ${err.message}`);
  process.exit(1);
}

console.log(findingsTable(findings));
console.log("");
for (const ecosystem of ["npm", "go"] as const) {
  const some = findings.filter((f) => f.ecosystem === ecosystem);
  console.log(`${ecosystem}: ${some.length} checked`);
  for (const [licence, count] of tally(some)) console.log(`  ${String(count).padStart(4)}  ${licence}`);
}
const bad = offenders(findings);
const references = deniedReferences(process.cwd());
for (const r of references) console.log(`denied module named in ${r.file}:${r.line}: ${r.text}`);
for (const f of bad) console.log(`FAIL ${describeFinding(f)}`);
console.log(bad.length + references.length === 0 ? "licences: all allowed" : `licences: ${bad.length} failing`);
process.exit(bad.length + references.length === 0 ? 0 : 1);
