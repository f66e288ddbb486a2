// PRR: checklist model, evidence checks, time-boxed exceptions, per-role sign-off.
export {
  definePrr,
  CATEGORIES,
  CATEGORY_LABELS,
  prrSchema,
  type Prr,
  type PrrInput,
  type PrrItem,
  type Category,
} from "./schema.ts";
export { loadPrr } from "./load.ts";
export {
  prrCheck,
  evaluatePrr,
  evaluateStoreChecks,
  exceptionProblem,
  MAX_EXCEPTION_DAYS,
  type PrrReport,
  type ItemResult,
  type ItemStatus,
  type PrrCheckOptions,
} from "./check.ts";
export { renderPrrChecklist, CHECKLIST_FILE, type ChecklistOptions } from "./checklist.ts";
export {
  prrSign,
  prrStatus,
  writeCheckChecklist,
  PrrNotReadyError,
  type ChecklistWrite,
  PRR_PREDICATE_TYPE,
  PRR_REPORT_FILE,
  type PrrSignOptions,
  type PrrStatus,
} from "./sign.ts";
