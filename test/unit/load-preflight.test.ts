// Before a run touches anything, every load's engine must be there: the built-in engine (built by
// `make setup` into .tools/bin) for load.http, the user's own k6 for load.k6 (never installed by
// gameday). What can be tested without deleting .tools: k6 missing, and where the engine is found.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { EnvironmentError } from "../../src/cli/exit-codes.ts";
import { resolveLoadEngine } from "../../src/load/engine-bin.ts";
import { assertLoadEngines, missingLoadEngines } from "../../src/load/preflight.ts";
import { httpLoad, k6Load } from "../../src/scenario/schema.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

const k6 = k6Load.parse({ kind: "k6", script: "load/chat.k6.ts", rate: 1, duration: "1s" });
const http = httpLoad.parse({ kind: "http", target: "copilot", rate: 1, duration: "1s" });

const KEYS = ["PATH", "K6_BIN", "GAMEDAY_LOAD_BIN"] as const;
let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  // No k6 anywhere: K6_BIN unset, PATH an empty folder.
  delete process.env.K6_BIN;
  delete process.env.GAMEDAY_LOAD_BIN;
  process.env.PATH = dirs.make("gameday-empty-path-");
});
afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe("missingLoadEngines", () => {
  it("names every k6 scenario in one line and says how to get on, without k6", () => {
    const problems = missingLoadEngines([
      { id: "llm-outage", load: k6 },
      { id: "chat-http", load: http },
      { id: "drill", load: undefined },
      { id: "spike", load: k6 },
    ]);
    // The built-in engine is found in the checkout's .tools/bin even with PATH empty.
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^llm-outage, spike: a k6 load needs your own k6 binary, and none was found/);
    expect(problems[0]).toContain("(tried k6 on PATH)");
    expect(problems[0]).toContain("install it yourself and put it on PATH or set K6_BIN");
    expect(problems[0]).toContain("load.http({...})");
    expect(problems[0]).not.toContain("chat-http");
  });

  it("lists a K6_BIN that points nowhere among the places tried", () => {
    process.env.K6_BIN = "/nonexistent/k6";
    expect(missingLoadEngines([{ id: "a", load: k6 }])[0]).toContain("(tried /nonexistent/k6, k6 on PATH)");
  });

  it("does not look for k6 when no scenario needs it", () => {
    expect(
      missingLoadEngines([
        { id: "chat-http", load: http },
        { id: "drill", load: undefined },
      ]),
    ).toEqual([]);
    expect(missingLoadEngines([])).toEqual([]);
  });

  it("is content with a k6 from K6_BIN (only found, never run here)", () => {
    process.env.K6_BIN = "/bin/true";
    expect(missingLoadEngines([{ id: "a", load: k6 }])).toEqual([]);
  });
});

describe("assertLoadEngines", () => {
  it("throws an EnvironmentError (exit 3) with every missing engine", () => {
    const err = (() => {
      try {
        assertLoadEngines([{ id: "llm-outage", load: k6 }]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/^llm-outage: a k6 load needs your own k6 binary/);
    expect(() => assertLoadEngines([{ id: "chat-http", load: http }])).not.toThrow();
  });
});

describe("resolveLoadEngine", () => {
  it("falls back from a GAMEDAY_LOAD_BIN that points nowhere to the checkout's .tools/bin", () => {
    process.env.GAMEDAY_LOAD_BIN = "/nonexistent/gameday-load";
    expect(resolveLoadEngine()).toMatch(/\/\.tools\/bin\/gameday-load$/);
  });

  it("takes an explicit binary, then GAMEDAY_LOAD_BIN, before .tools", () => {
    process.env.GAMEDAY_LOAD_BIN = "/bin/false";
    expect(resolveLoadEngine("/bin/true")).toBe("/bin/true");
    expect(resolveLoadEngine()).toBe("/bin/false");
    expect(resolveLoadEngine("/nonexistent/gameday-load")).toBe("/bin/false");
  });
});
