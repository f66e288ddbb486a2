// Random and malformed scenarios, as objects and as files: the only thing that ever comes out is
// the typed ValidationError (or a valid scenario), never a crash.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/scenario/errors.ts";
import { loadScenarios, validateScenario } from "../../src/scenario/loader.ts";

const valid = {
  id: "prop",
  title: "Property",
  owner: "SRE",
  hypothesis: "h",
  load: { kind: "k6", script: "load/chat.ts", rate: 5, duration: "1m" },
  steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "10s" },
  timeline: [
    { at: "10s", inject: { kind: "http", target: "llm-primary", status: 502, duration: "20s" } },
    {
      at: "5s",
      inject: {
        kind: "toxiproxy",
        target: "vs",
        toxic: "latency",
        attributes: { latency: 300 },
        duration: "20s",
      },
    },
    { at: "40s", inject: { kind: "redis", target: "cache", purge: "all" } },
  ],
  expect: {
    alert: { name: "A", ttd: "2m" },
    ttr: "5m",
    checks: [{ name: "c", series: "s", op: "<", value: 3 }],
  },
};

/** Replace the value at a random path of the valid scenario with arbitrary junk. */
const mutated = fc
  .tuple(
    fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.nat(4)), { maxLength: 4 }),
    fc.anything({
      withNullPrototype: true,
      withBigInt: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
    }),
  )
  .map(([path, junk]) => {
    const copy = structuredClone(valid) as Record<string, unknown>;
    let cur: Record<string, unknown> = copy;
    for (let i = 0; i < path.length - 1; i++) {
      const next = cur[String(path[i])];
      if (next === null || typeof next !== "object") break;
      cur = next as Record<string, unknown>;
    }
    cur[String(path.at(-1) ?? "id")] = junk;
    return copy;
  });

function onlyValidationErrors(value: unknown): boolean {
  try {
    validateScenario(value, "prop.ts");
    return true;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) expect(p.file).toBe("prop.ts");
    return true;
  }
}

describe("scenario validation never crashes", () => {
  it("accepts the valid base scenario", () => {
    expect(validateScenario(valid, "prop.ts").timeline).toHaveLength(3);
  });

  it("arbitrary values (2,000 cases)", () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true }),
        onlyValidationErrors,
      ),
      { numRuns: 2_000 },
    );
  });

  it("a valid scenario with one field replaced by junk (3,000 cases)", () => {
    fc.assert(fc.property(mutated, onlyValidationErrors), { numRuns: 3_000 });
  });

  it("objects whose getters throw", () => {
    const hostile = Object.defineProperty({ ...valid }, "title", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    expect(() => validateScenario(hostile, "hostile.ts")).toThrow(ValidationError);
  });
});

/**
 * A value as the text of a module's default export. fast-check's junk can hold a value twice or
 * inside itself (a Set carrying properties that point back up): a second sight of an object is
 * written as null, since a file cannot spell a cycle anyway.
 */
function sourceOf(value: unknown): string {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) return null;
      seen.add(v);
    }
    return v;
  });
  return text ?? "undefined";
}

describe("scenario files never crash the loader", () => {
  const dir = mkdtempSync(join(tmpdir(), "gameday-prop-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;

  const fileBody = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.json().map((j) => `export default ${j};`),
    mutated.map((o) => `export default ${sourceOf(o)};`),
    fc.constantFrom(
      "export const x = 1;",
      "throw new Error('load-time failure');",
      "export default undefined;",
      "export default 42;",
      "export default {",
      "throw 0;",
      "throw null;",
      "throw undefined;",
    ),
  );

  it("random file contents (200 files)", async () => {
    await fc.assert(
      fc.asyncProperty(fileBody, async (body) => {
        const file = join(dir, `s${n++}.ts`);
        writeFileSync(file, body);
        try {
          await loadScenarios([file]);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          expect(err.problems.every((p) => p.file === file)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
