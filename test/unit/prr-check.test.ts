import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { RunResult } from "../../src/engine/result.ts";
import {
  CHECKLIST_FILE,
  evaluatePrr,
  loadPrr,
  type Prr,
  prrCheck,
  prrSchema,
  prrSign,
  PRR_PREDICATE_TYPE,
  prrStatus,
  renderPrrChecklist,
  writeCheckChecklist,
} from "../../src/prr/index.ts";
import {
  INTOTO_BUNDLE_FILE,
  keygen,
  LEGACY_ATTESTATION_FILE,
  LEGACY_BUNDLE_MEDIA_TYPE,
  LEGACY_READ_NOTICE,
  ROLES,
  signFolder,
} from "../../src/sign/index.ts";
import { tempDirs } from "../temp-dirs.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());

const NOW = new Date("2026-03-10T12:00:00Z");
const DAY = 86_400_000;
const sample = JSON.parse(
  readFileSync(new URL("../fixtures/result-sample.json", import.meta.url), "utf8"),
) as RunResult;

/** A small repository: runbook, rule file, lockfile, two gameday runs. */
function makeRoot(): string {
  const root = temp.make("gameday-prr-");
  mkdirSync(join(root, "runbooks"));
  writeFileSync(
    join(root, "runbooks/rollback.md"),
    "# Rollback\n## Trigger\n1. Declare Sev-2\n2. large_model=false\n",
  );
  mkdirSync(join(root, "rules"));
  writeFileSync(
    join(root, "rules/copilot.yml"),
    "groups:\n  - name: copilot\n    rules:\n      - alert: LLMProviderDown\n        expr: up == 0\n      - alert: P95LatencySLOBreach\n        expr: x > 1\n",
  );
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({ dependencies: { zod: "4.6.7" }, devDependencies: { vitest: "4.1.12" } }),
  );
  writeFileSync(join(root, "package-lock.json"), "{}");
  writeRun(root, "old", NOW.getTime() - 20 * DAY, "PASS");
  writeRun(root, "new", NOW.getTime() - 2 * DAY, "PASS");
  return root;
}

function writeRun(
  root: string,
  name: string,
  endedAt: number,
  verdict: "PASS" | "FAIL" | "ERROR",
  o: { defects?: string[]; profile?: string } = {},
): void {
  const r = structuredClone(sample);
  r.runId = name;
  r.startedAt = endedAt - 60_000;
  r.endedAt = endedAt;
  if (o.profile) r.profile = o.profile;
  for (const s of r.scenarios) s.verdict = verdict;
  mkdirSync(join(root, "reports", name), { recursive: true });
  writeFileSync(join(root, "reports", name, "result.json"), JSON.stringify(r));
  // the run.start event as the engine journals it (older journals have no defects field)
  const start = {
    type: "run.start",
    runId: name,
    scenarios: r.scenarios.map((s) => s.id),
    profile: r.profile,
    scale: r.scale,
    host: "h",
    defects: o.defects ?? [],
    seq: 1,
    t: r.startedAt,
    mono: 0,
  };
  writeFileSync(join(root, "reports", name, "journal.jsonl"), `${JSON.stringify(start)}\n`);
}

function prr(items: Prr["items"]): Prr {
  return {
    service: "Ops Copilot API (v2)",
    owners: { sre: "IC", security: "AppSec", product: "PM", platform: "EM" },
    items,
  };
}

const item = (
  id: string,
  check: Prr["items"][number]["check"],
  exception?: Prr["items"][number]["exception"],
) => ({
  id,
  category: "runbooks" as const,
  title: id,
  check,
  exception,
});

describe("PRR evidence checks", () => {
  let root: string;
  beforeAll(() => {
    root = makeRoot();
  });
  const one = (check: Prr["items"][number]["check"]) =>
    evaluatePrr(prr([item("x", check)]), { now: NOW, root }).items[0]!;

  it("runbook: green with every required phrase, red naming what is missing", () => {
    expect(
      one({ kind: "runbook", file: "runbooks/rollback.md", require: ["trigger", "Declare Sev-2"] }).status,
    ).toBe("green");
    const r = one({
      kind: "runbook",
      file: "runbooks/rollback.md",
      require: ["Trigger", "smoke tests", "RCA"],
    });
    expect(r).toMatchObject({ status: "red", reason: 'runbooks/rollback.md lacks: "smoke tests", "RCA"' });
    expect(one({ kind: "runbook", file: "runbooks/none.md", require: [] }).reason).toBe(
      "runbook runbooks/none.md does not exist",
    );
  });

  it("alert-rules: each SLO maps to rules found in Prometheus rule files by glob; missing ones named per SLO", () => {
    const ok = one({
      kind: "alert-rules",
      files: ["rules/*.yml"],
      slos: { "p95 latency": ["P95LatencySLOBreach"], "provider mix": ["LLMProviderDown"] },
      alerts: [],
    });
    expect(ok).toMatchObject({
      status: "green",
      reason:
        "alert rules for 2 SLOs (p95 latency → P95LatencySLOBreach; provider mix → LLMProviderDown) in rules/copilot.yml",
    });
    const r = one({
      kind: "alert-rules",
      files: ["rules/*.yml"],
      slos: {
        "p95 latency": ["P95LatencySLOBreach"],
        "unit cost": ["UnitCostOverCap"],
        "error rate": ["ErrorRateSLOBreach", "LLMProviderDown"],
      },
      alerts: ["PIIBlocked"],
    });
    expect(r).toMatchObject({
      status: "red",
      reason:
        "SLO unit cost: no alert rule UnitCostOverCap; SLO error rate: no alert rule ErrorRateSLOBreach; no alert rule for PIIBlocked",
    });
    expect(
      one({ kind: "alert-rules", files: ["nowhere/*.yml"], slos: { x: ["A"] }, alerts: [] }).reason,
    ).toBe("no rule files match nowhere/*.yml");
  });

  it("alert-rules: the sample PRR's SLO map is green on this repository's rules and names the SLO whose rule is gone", async () => {
    const repo = new URL("../..", import.meta.url).pathname;
    const sample = await loadPrr(join(repo, "fixtures/prr/ops-copilot.prr.ts"));
    const slo = sample.items.find((i) => i.id === "slo-alert-rules")!;
    if (slo.check.kind !== "alert-rules") throw new Error("slo-alert-rules is not an alert-rules check");
    expect(Object.keys(slo.check.slos)).toEqual([
      "p95 latency",
      "error rate",
      "unit cost",
      "cache hit",
      "depth-k",
      "provider mix",
    ]);
    const here = evaluatePrr(prr([slo]), { now: NOW, root: repo }).items[0]!;
    expect(here.status, here.reason).toBe("green");
    // the same rules with DepthKDegraded removed
    const rulesFile = join(repo, "fixtures/monitoring/rules/ops-copilot.yml");
    const doc = parseYaml(readFileSync(rulesFile, "utf8")) as {
      groups: Array<{ rules: Array<{ alert?: string }> }>;
    };
    for (const g of doc.groups) g.rules = g.rules.filter((r) => r.alert !== "DepthKDegraded");
    const tmpRoot = temp.make("gameday-prr-rules-");
    mkdirSync(join(tmpRoot, "fixtures/monitoring/rules"), { recursive: true });
    writeFileSync(join(tmpRoot, "fixtures/monitoring/rules/ops-copilot.yml"), stringifyYaml(doc));
    const gone = evaluatePrr(prr([slo]), { now: NOW, root: tmpRoot }).items[0]!;
    expect(gone).toMatchObject({ status: "red", reason: "SLO depth-k: no alert rule DepthKDegraded" });
  });

  it("alert-rules: an SLO without a rule, or no SLO at all, is invalid input", () => {
    const base = {
      service: "S",
      owners: { sre: "a", security: "b", product: "c", platform: "d" },
    };
    const withSlos = (slos: unknown) => ({
      ...base,
      items: [
        { id: "x", category: "slos", title: "t", check: { kind: "alert-rules", files: ["r.yml"], slos } },
      ],
    });
    const empty = prrSchema.safeParse(withSlos({ "error rate": [] }));
    expect(empty.success).toBe(false);
    expect(empty.error?.issues[0]).toMatchObject({
      path: ["items", 0, "check", "slos", "error rate"],
      message: "map the SLO to at least one alert rule",
    });
    expect(prrSchema.safeParse(withSlos({})).error?.issues[0]?.message).toBe("name at least one SLO");
  });

  it("gameday: judges the latest run per scenario, its verdict and its age, naming the run taken", () => {
    const scenarios = ["llm-provider-outage", "rollback-drill"];
    expect(
      one({ kind: "gameday", reports: "reports", scenarios, withinDays: 7, strict: false }),
    ).toMatchObject({
      status: "green",
      evidence: ["reports/new/result.json"],
      reason:
        "2 scenarios passed within 7 days — llm-provider-outage: run new (2026-03-08, profile ci); rollback-drill: run new (2026-03-08, profile ci)",
    });
    expect(
      one({ kind: "gameday", reports: "reports", scenarios, withinDays: 1, strict: false }).reason,
    ).toMatch(/llm-provider-outage: latest run new \(2026-03-08, profile ci\) is 2 days old \(max 1\)/);
    expect(
      one({ kind: "gameday", reports: "reports", scenarios: ["spike-2x"], withinDays: 7, strict: false })
        .reason,
    ).toBe("spike-2x: no run found");
    const other = makeRoot();
    writeRun(other, "newest", NOW.getTime() - DAY, "FAIL");
    const r = evaluatePrr(
      prr([item("g", { kind: "gameday", reports: "reports", scenarios, withinDays: 7, strict: false })]),
      {
        now: NOW,
        root: other,
      },
    ).items[0]!;
    expect(r).toMatchObject({ status: "red", evidence: ["reports/newest/result.json"] });
    expect(r.reason).toMatch(/llm-provider-outage: latest run newest \(2026-03-09, profile ci\) is FAIL/);
  });

  it("gameday: runs with defect switches on, ERROR or interrupted runs are not evidence, and say so", () => {
    const other = makeRoot();
    // newer than the honest PASS: a defect demo (would FAIL), a harness ERROR, an interrupted run
    writeRun(other, "defect-demo", NOW.getTime() - DAY, "FAIL", { defects: ["failover_off"] });
    writeRun(other, "defect-pass", NOW.getTime() - DAY / 2, "PASS", { defects: ["depthk_off"] });
    writeRun(other, "broken-env", NOW.getTime() - DAY / 4, "ERROR");
    const check = {
      kind: "gameday" as const,
      reports: "reports",
      scenarios: ["llm-provider-outage"],
      withinDays: 7,
      strict: false,
    };
    const r = evaluatePrr(prr([item("g", check)]), { now: NOW, root: other }).items[0]!;
    expect(r).toMatchObject({ status: "green", evidence: ["reports/new/result.json"] });
    expect(r.reason).toBe(
      "1 scenarios passed within 7 days — llm-provider-outage: run new (2026-03-08, profile ci) (ignored: broken-env (ERROR: the harness or environment failed); defect-pass (defect switches on: depthk_off); defect-demo (defect switches on: failover_off))",
    );
    // only defect runs: no evidence at all
    const only = temp.make("gameday-prr-");
    writeRun(only, "defect-pass", NOW.getTime() - DAY, "PASS", { defects: ["bad_v2"] });
    expect(evaluatePrr(prr([item("g", check)]), { now: NOW, root: only }).items[0]!).toMatchObject({
      status: "red",
      reason: "llm-provider-outage: no run found (ignored: defect-pass (defect switches on: bad_v2))",
      evidence: [],
    });
    // a journal from before defects were journalled: no field, no defects
    writeRun(only, "legacy", NOW.getTime() - 2 * DAY, "PASS");
    const journal = join(only, "reports/legacy/journal.jsonl");
    writeFileSync(journal, readFileSync(journal, "utf8").replace(',"defects":[]', ""));
    expect(readFileSync(journal, "utf8")).not.toContain("defects");
    expect(evaluatePrr(prr([item("g", check)]), { now: NOW, root: only }).items[0]!).toMatchObject({
      status: "green",
      evidence: ["reports/legacy/result.json"],
    });
  });

  it("gameday: an item may require runs of one profile (e.g. real)", () => {
    const other = makeRoot();
    const check = {
      kind: "gameday" as const,
      reports: "reports",
      scenarios: ["rollback-drill"],
      withinDays: 7,
      strict: false,
      profile: "real",
    };
    expect(evaluatePrr(prr([item("g", check)]), { now: NOW, root: other }).items[0]!.reason).toBe(
      "rollback-drill: no run found with profile real (ignored: new (profile ci, not real); old (profile ci, not real))",
    );
    writeRun(other, "full", NOW.getTime() - 3 * DAY, "PASS", { profile: "real" });
    expect(evaluatePrr(prr([item("g", check)]), { now: NOW, root: other }).items[0]!).toMatchObject({
      status: "green",
      evidence: ["reports/full/result.json"],
      reason: expect.stringContaining(
        "rollback-drill: run full (2026-03-07, profile real) (ignored: new (profile ci, not real))",
      ),
    });
  });

  it("lockfile: needs package-lock.json and exact versions", () => {
    expect(one({ kind: "lockfile", dir: ".", exact: true }).status).toBe("green");
    const loose = makeRoot();
    writeFileSync(
      join(loose, "package.json"),
      JSON.stringify({ dependencies: { zod: "^4.6.7", yaml: "2.9.1", x: "latest" } }),
    );
    const r = evaluatePrr(prr([item("l", { kind: "lockfile", dir: ".", exact: true })]), {
      now: NOW,
      root: loose,
    }).items[0]!;
    expect(r.reason).toBe("not pinned in package.json: zod@^4.6.7, x@latest");
    expect(
      evaluatePrr(prr([item("l", { kind: "lockfile", dir: ".", exact: false })]), { now: NOW, root: loose })
        .items[0]!.status,
    ).toBe("green");
  });

  it("file-exists and attest", () => {
    expect(one({ kind: "file-exists", paths: ["package-lock.json"] }).status).toBe("green");
    expect(one({ kind: "file-exists", paths: ["sbom.cdx.json"] }).reason).toBe("missing: sbom.cdx.json");
    expect(one({ kind: "attest", by: "AppSec", at: "2026-03-01", note: "vault audited" }).status).toBe(
      "green",
    );
    expect(one({ kind: "attest", by: "AppSec", at: "2026-04-01", note: "future" }).status).toBe("red");
  });
});

describe("PRR exceptions", () => {
  const red = { kind: "file-exists" as const, paths: ["sbom.cdx.json"] };
  const status = (granted: string, due: string) =>
    evaluatePrr(
      prr([item("sbom", red, { owner: "AppSec", granted, due, reason: "SBOM tooling lands next sprint" })]),
      {
        now: NOW,
        root: tmpdir(),
      },
    ).items[0]!;

  it("accepts an exception of up to 14 days from the day it was granted, including the 14th day", () => {
    expect(status("2026-03-10", "2026-03-24").status).toBe("excepted");
    expect(status("2026-02-24", "2026-03-10").status).toBe("excepted");
    expect(status("2026-03-10", "2026-03-10").status).toBe("excepted");
    expect(status("2026-03-10", "2026-03-24").reason).toContain(
      "excepted 2026-03-10 until 2026-03-24 (owner AppSec)",
    );
  });

  it("measures the 14 days from the grant, not from the check: a 30-day exception never passes", () => {
    // granted 30 days before its due date; checked on the due date, 0 days remain, still invalid
    expect(status("2026-02-08", "2026-03-10")).toMatchObject({
      status: "red",
      reason: expect.stringContaining(
        "exception invalid: granted 2026-02-08, due 2026-03-10: 30 days; exceptions are time-boxed to at most 14 days from the day they are granted",
      ),
    });
    expect(status("2026-03-10", "2026-03-25").reason).toContain("2026-03-25: 15 days;");
  });

  it("fails an exception that is expired, granted in the future or due before granted, saying why", () => {
    expect(status("2026-03-01", "2026-03-09").reason).toContain(
      "exception invalid: expired on 2026-03-09 (1 days before 2026-03-10; owner AppSec)",
    );
    expect(status("2026-03-11", "2026-03-20").reason).toContain(
      "exception invalid: granted 2026-03-11 is in the future (checked 2026-03-10; owner AppSec)",
    );
    expect(status("2026-03-05", "2026-03-04").reason).toContain(
      "exception invalid: due 2026-03-04 is before it was granted (2026-03-05)",
    );
  });

  it("requires an owner, a granted and a due date, reported as file: path: message", async () => {
    const dir = temp.make("gameday-prr-yaml-");
    const file = join(dir, "bad.prr.yaml");
    writeFileSync(
      file,
      [
        "service: S",
        "owners: { sre: IC, security: AppSec, product: PM, platform: EM }",
        "items:",
        "  - id: sbom",
        "    category: security",
        "    title: SBOM",
        "    check: { kind: file-exists, paths: [sbom.json] }",
        "    exception: { reason: later, due: 10/03/2026 }",
      ].join("\n"),
    );
    const err = await loadPrr(file).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain(`${file}: items.0.exception.owner:`);
    expect(msg).toContain(`${file}: items.0.exception.granted:`);
    expect(msg).toContain(`${file}: items.0.exception.due: must be a date YYYY-MM-DD`);
    expect(msg).not.toContain("is not a valid date");
    writeFileSync(
      file,
      [
        "service: S",
        "owners: { sre: IC, security: AppSec, product: PM, platform: EM }",
        "items:",
        "  - { id: sbom, category: security, title: a, check: { kind: file-exists, paths: [a] } }",
        "  - { id: sbom, category: quotas, title: b, check: { kind: attest, by: a, at: '2026-02-30', note: n } }",
      ].join("\n"),
    );
    const dup = ((await loadPrr(file).catch((e: Error) => e)) as Error).message;
    expect(dup).toContain(`${file}: items.1.check.at: is not a valid date`);
    writeFileSync(file, readFileSync(file, "utf8").replace("'2026-02-30'", "'2026-02-28'"));
    expect(((await loadPrr(file).catch((e: Error) => e)) as Error).message).toBe(
      `${file}: items.1.id: duplicate id "sbom"`,
    );
  });
});

describe("prr_checklist.md", () => {
  it("reads like the seed: service, owners, ☑/☐ per category, sign-off line", () => {
    const root = makeRoot();
    const report = evaluatePrr(
      prr([
        item("rollback", { kind: "runbook", file: "runbooks/rollback.md", require: ["Trigger"] }),
        {
          ...item("sbom", { kind: "file-exists", paths: ["sbom.cdx.json"] }),
          category: "security",
          title: "SBOM stored",
        },
      ]),
      { now: NOW, root },
    );
    const md = renderPrrChecklist(report);
    expect(md).toContain(
      "Service: Ops Copilot API (v2)\nOwners: Product (PM), Platform (EM), SRE (IC), Security (AppSec)\n",
    );
    expect(md).toContain("[☑] Runbooks: rollback\n[☐] Security: SBOM stored\n");
    expect(md).toContain("Sign-off: SRE ☐  Security ☐  Product ☐  Platform ☐   Date: 2026-03-10");
    expect(md).toContain("Readiness: 50% — 1 green, 0 excepted, 1 red.");
    expect(renderPrrChecklist(report, { signed: ["sre", "platform"] })).toContain(
      "Sign-off: SRE ☑  Security ☐  Product ☐  Platform ☑",
    );
    expect(renderPrrChecklist(report)).toBe(md);
  });
});

/** A PRR with one item, a runbook that passes, in a fresh root; keys go to their own folder. */
function rollbackPrr() {
  const root = makeRoot();
  const keys = temp.make("gameday-prr-keys-");
  const file = join(root, "svc.prr.yaml");
  writeFileSync(
    file,
    JSON.stringify(
      prr([item("rollback", { kind: "runbook", file: "runbooks/rollback.md", require: ["Trigger"] })]),
    ),
  );
  const outDir = join(root, "prr-out");
  return { root, keys, file, outDir, opts: { now: NOW, root, outDir } };
}

describe("prrSign / prrStatus", () => {
  it("a PRR signed before intoto.jsonl stays approved with a notice; the next sign carries it over and keeps its checklist", async () => {
    const { keys, file, outDir, opts } = rollbackPrr();
    const key = Object.fromEntries(ROLES.map((r) => [r, keygen(keys, r).privateKey]));
    const trustDir = join(keys, "trusted");
    // Build the folder as gameday wrote it then: the checklist's signatures line named
    // attestation.dsse.json, and the envelopes sat in one JSON object.
    await prrSign(file, { ...opts, role: "sre", keyFile: key.sre! });
    const checklist = join(outDir, CHECKLIST_FILE);
    const legacyText = readFileSync(checklist, "utf8").replace(
      /^Signatures: .*$/m,
      "Signatures: `attestation.dsse.json` beside this file, one DSSE envelope per role (`gameday verify`).",
    );
    expect(legacyText).not.toBe(readFileSync(checklist, "utf8"));
    writeFileSync(checklist, legacyText);
    rmSync(join(outDir, INTOTO_BUNDLE_FILE));
    for (const role of ["sre", "security", "product"] as const)
      signFolder(outDir, {
        role,
        keyFile: key[role]!,
        predicateType: PRR_PREDICATE_TYPE,
        predicate: {},
        now: NOW,
      });
    const envelopes = readFileSync(join(outDir, INTOTO_BUNDLE_FILE), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    writeFileSync(
      join(outDir, LEGACY_ATTESTATION_FILE),
      `${JSON.stringify({ mediaType: LEGACY_BUNDLE_MEDIA_TYPE, envelopes }, null, 2)}\n`,
    );
    rmSync(join(outDir, INTOTO_BUNDLE_FILE));

    let st = await prrStatus(file, { ...opts, trustDir });
    // not stale: only the pointer line differs from today's rendering
    expect(st.problems).toEqual(["required role platform has no valid signature"]);
    expect(st.notices).toEqual([LEGACY_READ_NOTICE]);
    expect(st.signedRoles).toEqual(["sre", "security", "product"]);
    expect(writeCheckChecklist(outDir, await prrCheck(file, opts))).toEqual({
      action: "unchanged",
      path: checklist,
    });

    const out = await prrSign(file, { ...opts, role: "platform", keyFile: key.platform! });
    expect(out.notices).toEqual([
      "carried 3 signature(s) from legacy attestation.dsse.json (gameday bundle format) into intoto.jsonl and removed attestation.dsse.json",
    ]);
    expect(readFileSync(checklist, "utf8")).toBe(legacyText);
    st = await prrStatus(file, { ...opts, trustDir });
    expect(st).toMatchObject({ approved: true, problems: [], notices: [] });
    expect(readFileSync(join(outDir, INTOTO_BUNDLE_FILE), "utf8").trimEnd().split("\n")).toHaveLength(4);

    // a checklist that differs in more than that line is still stale
    writeFileSync(checklist, legacyText.replace("Runbooks", "Run books"));
    expect((await prrStatus(file, { ...opts, trustDir })).problems).toContain(
      "prr_checklist.md: stale — the evidence today differs from what was signed",
    );
  });

  it("is approved only when ready and all four roles signed the current checklist", async () => {
    const root = makeRoot();
    const keys = temp.make("gameday-prr-keys-");
    const file = join(root, "svc.prr.yaml");
    writeFileSync(
      file,
      JSON.stringify(
        prr([
          item("rollback", { kind: "runbook", file: "runbooks/rollback.md", require: ["Trigger"] }),
          item(
            "sbom",
            { kind: "file-exists", paths: ["sbom.cdx.json"] },
            { owner: "AppSec", granted: "2026-03-09", due: "2026-03-20", reason: "next sprint" },
          ),
        ]),
      ),
    );
    const outDir = join(root, "prr-out");
    const opts = { now: NOW, root, outDir };
    for (const role of ROLES.slice(0, 3))
      await prrSign(file, { ...opts, role, keyFile: keygen(keys, role).privateKey });
    let st = await prrStatus(file, { ...opts, trustDir: join(keys, "trusted") });
    expect(st.approved).toBe(false);
    expect(st.problems).toEqual(["required role platform has no valid signature"]);
    expect((await prrStatus(file, opts)).problems[0]).toMatch(
      /^required roles \(sre, security, product, platform\) cannot be checked without a trust store/,
    );
    expect(st.report).toMatchObject({ green: 1, excepted: 1, red: 0, percent: 100 });
    await prrSign(file, { ...opts, role: "platform", keyFile: keygen(keys, "platform").privateKey });
    st = await prrStatus(file, { ...opts, trustDir: join(keys, "trusted") });
    expect(st.problems).toEqual([]);
    expect(st.approved).toBe(true);
    expect(st.signedRoles).toEqual([...ROLES]);
    expect(readFileSync(join(outDir, CHECKLIST_FILE), "utf8")).toContain("[☑] Runbooks: rollback, sbom");

    // evidence changes after sign-off: the signed checklist is stale and the PRR is no longer approved
    writeFileSync(join(root, "runbooks/rollback.md"), "# gone\n");
    st = await prrStatus(file, opts);
    expect(st.approved).toBe(false);
    expect(st.problems.join("\n")).toMatch(/1 red item\(s\): rollback/);
    expect(st.problems.join("\n")).toMatch(/prr_checklist\.md: stale/);
    await expect(prrSign(file, { ...opts, role: "sre", keyFile: join(keys, "sre.key.pem") })).rejects.toThrow(
      /not ready to sign — 1 red item\(s\):\n {2}rollback: runbooks\/rollback\.md lacks: "Trigger"/,
    );
  });

  it("is not approved when one key signed several roles (separation of duties)", async () => {
    const { root, keys, file, outDir, opts } = rollbackPrr();
    const solo = keygen(keys, "solo").privateKey;
    await prrSign(file, { ...opts, role: "sre", keyFile: solo });
    await expect(prrSign(file, { ...opts, role: "security", keyFile: solo })).rejects.toThrow(
      /separation of duties/,
    );
    // the same key's signatures for the other roles, made in a copy and spliced in
    const bundlePath = join(outDir, INTOTO_BUNDLE_FILE);
    let bundle = readFileSync(bundlePath, "utf8");
    for (const role of ["security", "product", "platform"] as const) {
      const copy = join(root, `copy-${role}`);
      await prrSign(file, { ...opts, outDir: copy, role, keyFile: solo });
      bundle += readFileSync(join(copy, INTOTO_BUNDLE_FILE), "utf8");
    }
    writeFileSync(bundlePath, bundle);
    const st = await prrStatus(file, { ...opts, trustDir: join(keys, "trusted") });
    expect(st.approved).toBe(false);
    expect(st.signedRoles).toEqual([...ROLES]);
    expect(st.problems).toEqual([
      expect.stringMatching(
        /^separation of duties: key [0-9a-f]{64} signed 4 required roles \(sre, security, product, platform\)/,
      ),
    ]);
  });

  it("the sample Ops Copilot PRR validates and its runbook items are green against this repository", async () => {
    const report = await prrCheck(
      new URL("../../fixtures/prr/ops-copilot.prr.ts", import.meta.url).pathname,
      {
        now: NOW,
        root: new URL("../..", import.meta.url).pathname,
      },
    );
    expect(report.service).toBe("Ops Copilot API (v2)");
    const runbooks = report.items.filter((i) => i.category === "runbooks");
    expect(runbooks.map((i) => i.title)).toEqual([
      "on-call",
      "rollback",
      "rate-limit",
      "cost-spike",
      "data incident",
    ]);
    for (const i of runbooks) expect(i.status, `${i.id}: ${i.reason}`).toBe("green");
    expect(new Set(report.items.map((i) => i.category)).size).toBe(8);
    expect(prrSchema.safeParse({}).success).toBe(false);
  });
});
