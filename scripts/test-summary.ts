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
  let suiteFailed = 0;
  for (const t of suite.assertionResults) {
    if (t.status === "passed") passed += 1;
    else if (t.status === "failed") suiteFailed += 1;
    else skipped += 1;
  }
  failed += suiteFailed;
  // A file that failed outside its tests (it did not load, or a beforeAll/afterAll hook threw, which
  // leaves its tests "skipped") failed too: one failure for the file, with vitest's message.
  if (suite.status === "failed" && suiteFailed === 0) {
    failed += 1;
    // vitest's JSON leaves a hook's error out of `message`; its own output above shows it.
    const why = suite.message?.split("\n")[0] || "a hook or the file itself threw; see vitest's output above";
    console.log(`failed outside its tests: ${suite.name}: ${why}`);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
