// Before a run touches anything: every load's engine must be there. The built-in engine comes with
// `make setup` / `gameday setup`; k6 is never installed by gameday (AGPL-3.0), so a k6 load needs
// the user's own binary.
import { EnvironmentError } from "../cli/exit-codes.ts";
import type { LoadSpec } from "../scenario/schema.ts";
import { LoadEngineNotFoundError, resolveLoadEngine } from "./engine-bin.ts";
import { K6NotFoundError, resolveK6Bin } from "./k6-runner.ts";

export interface LoadOf {
  id: string;
  load: LoadSpec | undefined;
}

/** What is missing for these scenarios' loads, one line per missing engine; empty when all is there. */
export function missingLoadEngines(scenarios: readonly LoadOf[]): string[] {
  const problems: string[] = [];
  const k6 = scenarios.filter((s) => s.load?.kind === "k6").map((s) => s.id);
  if (k6.length) {
    try {
      resolveK6Bin();
    } catch (err) {
      if (!(err instanceof K6NotFoundError)) throw err;
      problems.push(`${k6.join(", ")}: ${err.message}`);
    }
  }
  const http = scenarios.filter((s) => s.load?.kind === "http").map((s) => s.id);
  if (http.length) {
    try {
      resolveLoadEngine();
    } catch (err) {
      if (!(err instanceof LoadEngineNotFoundError)) throw err;
      problems.push(`${http.join(", ")}: ${err.message}`);
    }
  }
  return problems;
}

/** Throws EnvironmentError (exit 3) naming every missing engine. */
export function assertLoadEngines(scenarios: readonly LoadOf[]): void {
  const problems = missingLoadEngines(scenarios);
  if (problems.length) throw new EnvironmentError(problems.join("\n"));
}
