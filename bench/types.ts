// Contract between bench/run.ts and each bench/<name>.bench.ts module.
// A bench module's default export runs its measurements and returns records; comparisons are
// ratios taken within one run (harness + load engine vs the engine alone, proxy vs direct), never
// absolute timings checked against the clock of another machine.

export interface BenchRecord {
  /** e.g. "http-proxy.added_p50_ms", "ingest.lines_per_s". */
  name: string;
  value: number;
  unit: string;
  /** The target this number is judged against, if any, e.g. "<= 0.3". */
  target?: string;
  /** Whether the target is met; omitted when there is no target. */
  ok?: boolean;
  note?: string;
}

export interface BenchContext {
  /** Folder for temporary files and logs of this bench run. */
  workDir: string;
  /** Scale factor for bench length (1 = full, smaller for a quick run). */
  scale: number;
  log: (line: string) => void;
}

export type BenchModule = (ctx: BenchContext) => Promise<BenchRecord[]>;
