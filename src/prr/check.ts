// prrCheck: every item's evidence check plus its exception, into a readiness report.
import { resolve } from "node:path";
import { type CheckOutcome, runCheck } from "./checks.ts";
import { loadPrr } from "./load.ts";
import type { Category, Prr, PrrCheck, PrrException } from "./schema.ts";
import { scoreEvidence } from "./score-evidence.ts";

/** Seed 004: exceptions are time-boxed to at most 14 days. */
export const MAX_EXCEPTION_DAYS = 14;
const DAY_MS = 86_400_000;

export type ItemStatus = "green" | "excepted" | "red";

export interface ItemResult {
  id: string;
  category: Category;
  title: string;
  kind: string;
  status: ItemStatus;
  reason: string;
  evidence: string[];
  exception: PrrException | null;
}

export interface PrrReport {
  service: string;
  owners: Prr["owners"];
  /** YYYY-MM-DD (UTC): the day the evidence was checked; exceptions are judged against it. */
  checkedOn: string;
  items: ItemResult[];
  green: number;
  excepted: number;
  red: number;
  /** Share of items green or validly excepted, 0–100. */
  percent: number;
  ready: boolean;
}

export interface PrrCheckOptions {
  now?: Date;
  /** Folder that relative paths in the PRR resolve against; defaults to the current directory. */
  root?: string;
  /** Outcomes of checks that read a store, from evaluateStoreChecks. */
  evaluated?: ReadonlyMap<PrrCheck, CheckOutcome>;
}

export async function prrCheck(file: string, o: PrrCheckOptions = {}): Promise<PrrReport> {
  const prr = await loadPrr(file);
  return evaluatePrr(prr, { ...o, evaluated: await evaluateStoreChecks(prr, o) });
}

/** The checks that read the history store (reliability-score), evaluated ahead of the rest. */
export async function evaluateStoreChecks(
  prr: Prr,
  o: PrrCheckOptions = {},
): Promise<Map<PrrCheck, CheckOutcome>> {
  const ctx = { root: resolve(o.root ?? "."), now: o.now ?? new Date() };
  const out = new Map<PrrCheck, CheckOutcome>();
  for (const item of prr.items)
    if (item.check.kind === "reliability-score") out.set(item.check, await scoreEvidence(item.check, ctx));
  return out;
}

export function evaluatePrr(prr: Prr, o: PrrCheckOptions = {}): PrrReport {
  const now = o.now ?? new Date();
  const root = resolve(o.root ?? ".");
  const checkedOn = now.toISOString().slice(0, 10);
  const items = prr.items.map((item): ItemResult => {
    const out = runCheck(item.check, { root, now, evaluated: o.evaluated });
    const base = {
      id: item.id,
      category: item.category,
      title: item.title,
      kind: item.check.kind,
      evidence: out.evidence,
      exception: item.exception ?? null,
    };
    if (out.ok) return { ...base, status: "green", reason: out.reason };
    if (!item.exception) return { ...base, status: "red", reason: out.reason };
    const invalid = exceptionProblem(item.exception, checkedOn);
    return invalid
      ? { ...base, status: "red", reason: `${out.reason}; exception invalid: ${invalid}` }
      : {
          ...base,
          status: "excepted",
          reason: `${out.reason}; excepted ${item.exception.granted} until ${item.exception.due} (owner ${item.exception.owner}): ${item.exception.reason}`,
        };
  });
  const count = (s: ItemStatus) => items.filter((i) => i.status === s).length;
  const green = count("green");
  const excepted = count("excepted");
  const red = count("red");
  return {
    service: prr.service,
    owners: prr.owners,
    checkedOn,
    items,
    green,
    excepted,
    red,
    percent: Math.round(((green + excepted) / items.length) * 1000) / 10,
    ready: red === 0,
  };
}

/** Why an exception does not hold on the check date, or null when it does. */
export function exceptionProblem(e: PrrException, checkedOn: string): string | null {
  const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / DAY_MS;
  const window = Math.round(day(e.due) - day(e.granted));
  if (day(e.granted) > day(checkedOn))
    return `granted ${e.granted} is in the future (checked ${checkedOn}; owner ${e.owner})`;
  if (window < 0) return `due ${e.due} is before it was granted (${e.granted})`;
  if (window > MAX_EXCEPTION_DAYS)
    return `granted ${e.granted}, due ${e.due}: ${window} days; exceptions are time-boxed to at most ${MAX_EXCEPTION_DAYS} days from the day they are granted`;
  const left = Math.round(day(e.due) - day(checkedOn));
  if (left < 0) return `expired on ${e.due} (${-left} days before ${checkedOn}; owner ${e.owner})`;
  return null;
}
