import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/scenario/duration.ts";
import { ValidationError } from "../../src/scenario/errors.ts";
import { checkTargets, loadScenarios, validateConfig, validateScenario } from "../../src/scenario/loader.ts";
import { applyProfile, PROFILES, profileByName } from "../../src/scenario/profile.ts";
import { defineScenario, fault, load } from "../../src/index.ts";

describe("durations", () => {
  it.each([
    ["90s", 90_000],
    ["10m", 600_000],
    ["1h30m", 5_400_000],
    ["250ms", 250],
    ["1.5s", 1_500],
    ["1500", 1_500],
    [42, 42],
  ])("parses %s", (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(["", "soon", "10 m", "5x", "-5s", "1h-3m", "m"])("rejects %j with a reason", (input) => {
    expect(() => parseDuration(input)).toThrow(/duration|empty/);
  });

  it("formats compactly", () => {
    expect(formatDuration(350)).toBe("350ms");
    expect(formatDuration(42_000)).toBe("42s");
    expect(formatDuration(5_400_000)).toBe("1h30m");
  });
});

const minimal = { id: "x", title: "X", owner: "SRE", hypothesis: "h" };

describe("scenario validation", () => {
  it("applies defaults and converts durations to ms", () => {
    const s = validateScenario(
      defineScenario({
        ...minimal,
        load: load.k6("load/chat.ts", { rate: 20, duration: "14m" }),
        timeline: [{ at: "2m", inject: fault.httpStatus("llm-primary", { status: 502, duration: "10m" }) }],
      }),
      "x.ts",
    );
    expect(s.load?.duration).toBe(840_000);
    expect(s.timeline[0]!.at).toBe(120_000);
    expect(s.steadyState.sustain).toBe(60_000);
    const f = s.timeline[0]!.inject;
    expect(f?.kind === "http" && f.percent).toBe(100);
  });

  it("reports every problem with file and field path", async () => {
    const err = await loadScenarios(["test/fixtures/scenarios/bad/broken-fields.ts"]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    const lines = (err as ValidationError).message.split("\n");
    const file = "test/fixtures/scenarios/bad/broken-fields.ts";
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${file}: id: id must be lowercase`)),
        expect.stringMatching(new RegExp(`^${file}: title: must not be empty`)),
        expect.stringMatching(new RegExp(`^${file}: timeline\\.0\\.at: "soon" is not a duration`)),
        expect.stringMatching(new RegExp(`^${file}: timeline\\.0\\.inject\\.status: status must be one of`)),
        expect.stringMatching(new RegExp(`^${file}: timeline\\.1\\.inject\\.duration: .*not a duration`)),
        expect.stringMatching(new RegExp(`^${file}: steadyState\\.p95Ms: `)),
      ]),
    );
  });

  it("rejects two faults on one target at the same time", () => {
    const err = (() => {
      try {
        validateScenario(
          {
            ...minimal,
            timeline: [
              { at: "1m", inject: fault.httpStatus("p", { status: 502, duration: "5m" }) },
              { at: "3m", inject: fault.httpStatus("p", { status: 503, duration: "5m" }) },
            ],
          },
          "c.ts",
        );
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(err?.problems).toEqual([
      {
        file: "c.ts",
        path: "timeline.1.inject",
        message: 'conflicts with timeline.0: two http faults on "p" at the same time',
      },
    ]);
  });

  it("allows back-to-back faults on one target", () => {
    expect(() =>
      validateScenario(
        {
          ...minimal,
          timeline: [
            { at: "1m", inject: fault.httpStatus("p", { status: 502, duration: "2m" }) },
            { at: "3m", inject: fault.httpStatus("p", { status: 503, duration: "5m" }) },
          ],
        },
        "c.ts",
      ),
    ).not.toThrow();
  });

  it("names unknown targets and lists the known ones", () => {
    const config = validateConfig(
      {
        proxies: [
          { kind: "http", name: "llm-primary", listen: "127.0.0.1:0", upstream: "http://127.0.0.1:1" },
        ],
      },
      "gameday.config.ts",
    );
    const s = validateScenario(
      {
        ...minimal,
        timeline: [{ at: 0, inject: fault.httpStatus("llm-secondary", { status: 502, duration: "1m" }) }],
      },
      "s.ts",
    );
    expect(checkTargets(s, config, "s.ts")).toEqual([
      {
        file: "s.ts",
        path: "timeline.0.inject.target",
        message: 'unknown HTTP fault proxy "llm-secondary" (known: llm-primary)',
      },
    ]);
  });

  it("reports a file that does not load, without a stack trace", async () => {
    const err = (await loadScenarios(["test/fixtures/scenarios/bad/syntax.ts"]).catch(
      (e: unknown) => e,
    )) as ValidationError;
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.message).toMatch(/^cannot be loaded: /);
  });

  it("loads a folder and reports problems of all files at once", async () => {
    const err = (await loadScenarios(["test/fixtures/scenarios/bad"]).catch(
      (e: unknown) => e,
    )) as ValidationError;
    const files = new Set(err.problems.map((p) => p.file));
    expect(files.size).toBe(3);
  });
});

describe("profiles", () => {
  it("scales every duration and time target by one factor, nothing else", () => {
    const s = validateScenario(
      {
        ...minimal,
        load: load.k6("l.ts", { rate: 20, duration: "14m" }),
        steadyState: { p95Ms: 1200, errorRate: 0.01, sustain: "60s" },
        timeline: [
          {
            at: "2m",
            inject: fault.httpStatus("p", {
              status: 502,
              retryAfter: "5s",
              latency: "300ms",
              duration: "10m",
            }),
          },
        ],
        expect: {
          alert: { name: "A", ttd: "2m", mtta: "5m" },
          failover: { to: "secondary", within: "30s" },
          ttr: "30m",
          unitCostUsd: { max: 0.004, within: "15m" },
        },
        stopIf: { errorRate: { above: 0.2, for: "1m" } },
      },
      "p.ts",
    );
    const ci = applyProfile(s, profileByName("ci"));
    expect(PROFILES.ci!.scale).toBeCloseTo(1 / 30);
    expect(ci.load?.duration).toBe(28_000);
    expect(ci.timeline[0]!.at).toBe(4_000);
    const f = ci.timeline[0]!.inject;
    if (f?.kind !== "http") throw new Error("shape");
    expect(f.duration).toBe(20_000);
    // Magnitudes are not times: latency and Retry-After stay as written.
    expect(f.latency).toBe(300);
    expect(f.retryAfter).toBe(5_000);
    expect(ci.expect.alert?.mtta).toBe(10_000);
    expect(ci.expect.ttr).toBe(60_000);
    expect(ci.expect.failover?.within).toBe(1_000);
    expect(ci.steadyState.sustain).toBe(2_000);
    expect(ci.steadyState.p95Ms).toBe(1200);
    expect(ci.load?.rate).toBe(20);
    expect(ci.stopIf.errorRate).toEqual({ above: 0.2, for: 2_000 });
    expect(applyProfile(s, profileByName("real"))).toBe(s);
    expect(() => profileByName("fast")).toThrow(/unknown profile "fast" \(known: real, ci\)/);
  });
});

describe("load.http (the built-in engine)", () => {
  const problemsOf = (l: unknown) => {
    try {
      validateScenario({ ...minimal, load: l }, "h.ts");
      return [];
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      return e.problems.map((p) => `${p.path}: ${p.message}`);
    }
  };
  const httpOf = (o: Parameters<typeof load.http>[0]) => {
    const s = validateScenario({ ...minimal, load: load.http(o) }, "h.ts");
    if (s.load?.kind !== "http") throw new Error("not an http load");
    return s.load;
  };

  it("takes rate and duration, with defaults for the rest", () => {
    const l = httpOf({ target: "copilot", rate: 20, duration: "14m" });
    expect(l).toEqual({
      kind: "http",
      target: "copilot",
      rate: 20,
      duration: 840_000,
      request: { method: "GET", path: "/", headers: {} },
      responseHeaders: [],
      responseBody: false,
      timeout: 10_000,
      keepAlive: true,
      tags: {},
      failOn: ["5xx", "429", "network"],
    });
  });

  it("takes stages (with or without a start rate) and rejects a duration beside them", () => {
    const l = httpOf({
      target: "copilot",
      stages: [
        { duration: "30s", target: 40 },
        { duration: "1m", target: 0 },
      ],
    });
    expect(l.stages).toEqual([
      { duration: 30_000, target: 40 },
      { duration: 60_000, target: 0 },
    ]);
    expect(l.rate).toBeUndefined();
    expect(httpOf({ target: "copilot", rate: 5, stages: [{ duration: "1s", target: 3 }] }).rate).toBe(5);
    expect(
      problemsOf(
        load.http({ target: "copilot", rate: 5, duration: "5s", stages: [{ duration: "1s", target: 3 }] }),
      ),
    ).toEqual(["load.duration: a staged load lasts the sum of its stages; leave duration out"]);
    expect(problemsOf(load.http({ target: "copilot", stages: [] }))).toEqual([
      "load.stages: Too small: expected array to have >=1 items",
    ]);
  });

  it("says what is missing without rate and stages, at load.rate", () => {
    expect(problemsOf(load.http({ target: "copilot" }))).toEqual([
      "load.rate: a load needs rate (with duration) or stages",
      "load.duration: a constant-rate load needs a duration",
    ]);
    expect(problemsOf(load.http({ target: "copilot", duration: "1m" }))).toEqual([
      "load.rate: a load needs rate (with duration) or stages",
    ]);
    expect(problemsOf(load.http({ target: "copilot", rate: 0, duration: "1m" }))).toEqual([
      "load.rate: Too small: expected number to be >0",
    ]);
  });

  it("takes a request object (checked, method upper-cased) or a generator function (kept as is)", () => {
    const obj = httpOf({
      target: "copilot",
      rate: 1,
      duration: "1s",
      request: { method: "post", path: "/v1/chat", body: { prompt: "hi" }, name: "chat" },
    });
    expect(obj.request).toEqual({
      method: "POST",
      path: "/v1/chat",
      headers: {},
      body: { prompt: "hi" },
      name: "chat",
    });
    const gen = (i: number) => ({ path: `/v1/chat?i=${i}` });
    expect(httpOf({ target: "copilot", rate: 1, duration: "1s", request: gen }).request).toBe(gen);
    expect(
      problemsOf({ kind: "http", target: "copilot", rate: 1, duration: "1s", request: { path: "v1" } }),
    ).toEqual(["load.request.path: must start with /"]);
    expect(
      problemsOf({
        kind: "http",
        target: "copilot",
        rate: 1,
        duration: "1s",
        request: { path: "/", verb: "GET" },
      }),
    ).toHaveLength(1);
    const asString = problemsOf({
      kind: "http",
      target: "copilot",
      rate: 1,
      duration: "1s",
      request: "GET /",
    });
    expect(asString).toHaveLength(1);
    expect(asString[0]).toBe(
      "load.request: must be a request { method, path, headers, body, name } or a function (i) => request",
    );
  });

  it("wants record to be a function", () => {
    const record = () => {};
    expect(httpOf({ target: "copilot", rate: 1, duration: "1s", record }).record).toBe(record);
    expect(
      problemsOf({ kind: "http", target: "copilot", rate: 1, duration: "1s", record: "provider" }),
    ).toEqual(["load.record: must be a function (res, emit) => void"]);
  });

  it("lower-cases responseHeaders and rejects empty names", () => {
    expect(
      httpOf({ target: "copilot", rate: 1, duration: "1s", responseHeaders: ["X-Provider", "x-cost-USD"] })
        .responseHeaders,
    ).toEqual(["x-provider", "x-cost-usd"]);
    expect(
      problemsOf(load.http({ target: "copilot", rate: 1, duration: "1s", responseHeaders: [""] })),
    ).toEqual(["load.responseHeaders.0: Too small: expected string to have >=1 characters"]);
  });

  it("has a 10 s request timeout by default and takes durations for it", () => {
    expect(httpOf({ target: "copilot", rate: 1, duration: "1s" }).timeout).toBe(10_000);
    expect(httpOf({ target: "copilot", rate: 1, duration: "1s", timeout: "1.5s" }).timeout).toBe(1_500);
    expect(
      problemsOf(load.http({ target: "copilot", rate: 1, duration: "1s", timeout: "soon" })),
    ).toHaveLength(1);
  });

  it("is scaled by the ci profile in duration and stages, never in its request timeout or rates", () => {
    const constant = validateScenario(
      { ...minimal, load: load.http({ target: "copilot", rate: 20, duration: "14m", timeout: "3s" }) },
      "h.ts",
    );
    const ci = applyProfile(constant, profileByName("ci"));
    expect(ci.load).toMatchObject({ kind: "http", duration: 28_000, rate: 20, timeout: 3_000 });

    const staged = validateScenario(
      {
        ...minimal,
        load: load.http({
          target: "copilot",
          rate: 5,
          stages: [
            { duration: "3m", target: 40 },
            { duration: "30s", target: 0 },
          ],
        }),
      },
      "h.ts",
    );
    const sci = applyProfile(staged, profileByName("ci"));
    if (sci.load?.kind !== "http") throw new Error("not an http load");
    expect(sci.load.stages).toEqual([
      { duration: 6_000, target: 40 },
      { duration: 1_000, target: 0 },
    ]);
    expect(sci.load.duration).toBeUndefined();
    expect(sci.load.rate).toBe(5);
    expect(sci.load.timeout).toBe(10_000);
  });
});
