// The PRR checklist model (seed 004): categories, evidence-backed items, time-boxed exceptions.
import { z } from "zod";

export const CATEGORIES = [
  "runbooks",
  "slos",
  "dashboards",
  "secrets",
  "quotas",
  "security",
  "data-trust",
  "compliance",
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_LABELS: Record<Category, string> = {
  runbooks: "Runbooks",
  slos: "SLOs",
  dashboards: "Dashboards",
  secrets: "Secrets",
  quotas: "Quotas & Limits",
  security: "Security",
  "data-trust": "Data Trust",
  compliance: "Compliance",
};

const text = z.string().min(1, "must not be empty");
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine(
    (d) => !/^\d{4}-\d{2}-\d{2}$/.test(d) || new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    "is not a valid date",
  );

export const checkSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("runbook"),
    file: text,
    /** Headings or phrases the runbook must contain (case-insensitive). */
    require: z.array(text).default([]),
  }),
  z.strictObject({
    kind: z.literal("alert-rules"),
    /** Prometheus rule files; a "*" in the file name matches like a shell glob. */
    files: z.array(text).min(1),
    /** SLO → the alert rules that page on it; every SLO needs at least one, and each must exist. */
    slos: z
      .record(text, z.array(text).min(1, "map the SLO to at least one alert rule"))
      .refine((m) => Object.keys(m).length > 0, "name at least one SLO"),
    /** Other alert rules that must exist but guard no SLO (e.g. a PII block). */
    alerts: z.array(text).default([]),
  }),
  z.strictObject({
    kind: z.literal("gameday"),
    /** Folder of run folders, each with a result.json. */
    reports: text,
    scenarios: z.array(text).min(1),
    withinDays: z.number().int().positive(),
    /** WARN counts as passed unless strict. */
    strict: z.boolean().default(false),
    /** Only runs made with this profile count as evidence, e.g. "real" for full-length gamedays. */
    profile: text.optional(),
  }),
  z.strictObject({
    kind: z.literal("lockfile"),
    dir: z.string().default("."),
    /** Also require exact versions in package.json (no ^, ~, ranges or tags). */
    exact: z.boolean().default(true),
  }),
  z.strictObject({ kind: z.literal("file-exists"), paths: z.array(text).min(1) }),
  z.strictObject({
    kind: z.literal("sbom-current"),
    /** The CycloneDX SBOM (JSON) that must list every production package, e.g. from `make sbom`. */
    sbom: z.string().default("sbom.cdx.json"),
    /** The lockfile (lockfileVersion 2 or 3) whose non-dev packages are the truth. */
    lockfile: z.string().default("package-lock.json"),
  }),
  z.strictObject({
    kind: z.literal("reliability-score"),
    /** The overall reliability score (0–100) these scenarios must reach. */
    min: z.number().min(0).max(100),
    /** The history store: a SQLite file (relative to the PRR's root) or a postgres:// URL. */
    store: z.string().default("reports/history.sqlite"),
    /** Scenarios scored; a listed scenario never run is stale and scores 0. Default: every one in the store. */
    scenarios: z.array(text).default([]),
    /** Only runs of this profile count, e.g. "real". */
    profile: text.optional(),
  }),
  z.strictObject({ kind: z.literal("attest"), by: text, at: isoDate, note: text }),
]);

/**
 * A time-boxed waiver of one red item. `granted` is the day it was agreed: the 14-day box is measured
 * from it, not from the day of a check, so an exception cannot be kept alive by re-checking.
 */
export const exceptionSchema = z.strictObject({ owner: text, granted: isoDate, due: isoDate, reason: text });

export const itemSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "id must be lowercase letters, digits and dashes"),
  category: z.enum(CATEGORIES),
  title: text,
  check: checkSchema,
  exception: exceptionSchema.optional(),
});

export const prrSchema = z
  .strictObject({
    service: text,
    /** Who answers for each signing role, e.g. { sre: "IC", product: "PM" }. */
    owners: z.strictObject({ sre: text, security: text, product: text, platform: text }),
    items: z.array(itemSchema).min(1),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.items.forEach((it, i) => {
      if (seen.has(it.id))
        ctx.addIssue({ code: "custom", path: ["items", i, "id"], message: `duplicate id "${it.id}"` });
      seen.add(it.id);
    });
  });

export type Prr = z.output<typeof prrSchema>;
export type PrrInput = z.input<typeof prrSchema>;
export type PrrItem = z.output<typeof itemSchema>;
export type PrrCheck = z.output<typeof checkSchema>;
export type PrrException = z.output<typeof exceptionSchema>;

/** Identity with types, for `export default definePrr({...})` in a .prr.ts file; validated on load. */
export function definePrr(input: PrrInput): PrrInput {
  return input;
}
