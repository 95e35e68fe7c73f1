// Prints one closing line, "N passed, N failed, N skipped", from vitest's JSON report and
// exits non-zero unless every test passed and at least one ran.
import { readFileSync } from "node:fs";

let report;
try {
  report = JSON.parse(readFileSync("test-artifacts/vitest.json", "utf8"));
} catch {
  console.log("0 passed, 1 failed");
  console.error("No test report was written: vitest did not run to the end.");
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A file that fails to load has no failed test but is a failure all the same.
const failed = (report.numFailedTests ?? 0) || (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(report.success && failed === 0 && passed > 0 ? 0 : 1);
