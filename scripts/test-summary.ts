// Prints the closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON report.
import { readFileSync } from "node:fs";

interface AssertionResult {
  status: string;
  fullName: string;
}
interface TestFile {
  name: string;
  status: string;
  message?: string;
  assertionResults: AssertionResult[];
}
interface VitestJson {
  testResults: TestFile[];
}

const file = process.argv[2] ?? "reports/test-results.json";
let report: VitestJson;
try {
  report = JSON.parse(readFileSync(file, "utf8")) as VitestJson;
} catch (err) {
  console.log(`test summary: no readable vitest JSON report at ${file} (${(err as Error).message})`);
  console.log("0 passed, 1 failed");
  process.exit(0);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of report.testResults) {
  // A file that failed to load has no assertions but still failed.
  if (suite.status === "failed" && suite.assertionResults.length === 0) {
    failed += 1;
    console.log(`failed to load: ${suite.name}: ${suite.message ?? ""}`.trim());
  }
  for (const t of suite.assertionResults) {
    if (t.status === "passed") passed += 1;
    else if (t.status === "failed") failed += 1;
    else skipped += 1;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
