// The phase a scenario is in (baseline → inject → observe → recover → verify), as the journal
// records it and the status line shows it. Each change is journalled once and synced to disk.
import type { Journal } from "./journal.ts";
import type { Phase } from "./journal-events.ts";

export class ScenarioPhase {
  readonly #journal: Journal;
  readonly #scenario: string;
  #phase: Phase = "baseline";

  /** Journals the scenario's start in the baseline phase. */
  constructor(journal: Journal, scenario: string) {
    this.#journal = journal;
    this.#scenario = scenario;
    journal.write({ type: "phase", scenario, phase: "baseline" });
  }

  get current(): Phase {
    return this.#phase;
  }

  set(phase: Phase): void {
    if (phase === this.#phase) return;
    this.#phase = phase;
    this.#journal.write({ type: "phase", scenario: this.#scenario, phase });
    // A handful of fsyncs per scenario: what a host crash may lose ends at the last phase change.
    this.#journal.sync();
  }
}
