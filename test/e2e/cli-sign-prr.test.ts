// The signing and PRR flow as the README tells it, through the real CLI: keygen per role, sign,
// verify, tamper, prr check/sign/status, and the trust-store rules of --require / --trust.
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "../temp-dirs.ts";
import { runGameday } from "../gameday-child.ts";

const root = resolve(import.meta.dirname, "../..");
const ROLES = ["sre", "security", "product", "platform"] as const;
const temp = tempDirs();
afterAll(() => temp.removeAll());

function gameday(cwd: string, ...args: string[]) {
  return runGameday(args, { cwd });
}

/**
 * svc.prr.yaml with one item, the rollback runbook requiring `sections`, and a runbook that has
 * only "Trigger".
 */
function writePrr(cwd: string, sections: string[]): void {
  mkdirSync(join(cwd, "runbooks"));
  writeFileSync(join(cwd, "runbooks/rollback.md"), "# Rollback\n## Trigger\n");
  writeFileSync(
    join(cwd, "svc.prr.yaml"),
    [
      "service: Svc",
      "owners: { sre: IC, security: AppSec, product: PM, platform: EM }",
      "items:",
      "  - id: rollback",
      "    category: runbooks",
      "    title: rollback",
      `    check: { kind: runbook, file: runbooks/rollback.md, require: [${sections.join(", ")}] }`,
    ].join("\n"),
  );
}

/** A fresh working folder holding one rendered run folder, `run/`. */
function workspace(): { cwd: string; run: string } {
  const cwd = temp.make("gameday-cli-sign-");
  const run = join(cwd, "run");
  mkdirSync(run);
  copyFileSync(join(root, "test/fixtures/result-sample.json"), join(run, "result.json"));
  copyFileSync(join(root, "test/fixtures/result-sample.journal.jsonl"), join(run, "journal.jsonl"));
  const r = gameday(cwd, "report", "run");
  expect(r.code, r.stderr).toBe(0);
  return { cwd, run };
}

/**
 * Rewrites a signed folder the way gameday wrote it before intoto.jsonl: attestation.dsse.json, one
 * JSON object with the same envelopes sorted by role. Written by hand here, from the format, so the
 * test does not depend on the code that reads it.
 */
function toLegacy(dir: string): void {
  const path = join(dir, "intoto.jsonl");
  const roleOf = (e: { payload: string }) =>
    (JSON.parse(Buffer.from(e.payload, "base64").toString("utf8")) as { predicate: { role: string } })
      .predicate.role;
  const envelopes = readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as { payload: string })
    .sort((a, b) => roleOf(a).localeCompare(roleOf(b)));
  writeFileSync(
    join(dir, "attestation.dsse.json"),
    `${JSON.stringify({ mediaType: "application/vnd.gameday.dsse-bundle+json;version=1", envelopes }, null, 2)}\n`,
  );
  unlinkSync(path);
}

const LEGACY_NOTICE =
  "notice: read legacy attestation.dsse.json (gameday bundle format); re-sign to write intoto.jsonl";

describe("gameday verify without a trust store", () => {
  let ws: { cwd: string; run: string };
  beforeAll(() => {
    ws = workspace();
    expect(gameday(ws.cwd, "keygen", "--out", "keys", "--name", "sre").code).toBe(0);
    expect(gameday(ws.cwd, "sign", "run", "--role", "sre", "--key", "keys/sre.key.pem").code).toBe(0);
  });

  it("--require without --trust is a usage error (exit 2) saying why", () => {
    const r = gameday(ws.cwd, "verify", "run", "--require", "sre");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("gameday verify: --require needs --trust DIR: without a trust store");
    expect(r.stdout).toBe("");
  });

  it("without --require and --trust it passes but says UNTRUSTED, loudly", () => {
    const r = gameday(ws.cwd, "verify", "run");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "WARNING: signer keys were not checked against a trust store (no --trust); anyone could have re-signed this folder",
    );
    expect(r.stdout).toMatch(/^verified UNTRUSTED \(/m);
  });

  it("prr status without --trust is a usage error (exit 2)", () => {
    const r = gameday(ws.cwd, "prr", "status", "any.prr.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("gameday prr: prr status needs --trust DIR: approval requires all four roles");
  });

  it("verify --help explains the trust rule", () => {
    const r = gameday(ws.cwd, "verify", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--require without --trust is a usage error (exit 2)");
  });
});

describe("the README's signing flow, end to end", () => {
  let ws: { cwd: string; run: string };
  beforeAll(() => {
    ws = workspace();
    for (const role of ROLES) {
      const k = gameday(ws.cwd, "keygen", "--out", "keys", "--name", role);
      expect(k.code, k.stderr).toBe(0);
      expect(k.stdout).toContain(`trusted     keys/trusted/${role}.pub.pem`);
    }
  });

  it("keygen ×4, sign ×4, verify --require all --trust keys/trusted exits 0; a tampered byte exits 1 naming it", () => {
    expect(readdirSync(join(ws.cwd, "keys/trusted")).sort()).toEqual(ROLES.map((r) => `${r}.pub.pem`).sort());
    for (const role of ROLES) {
      const s = gameday(ws.cwd, "sign", "run", "--role", role, "--key", `keys/${role}.key.pem`);
      expect(s.code, s.stderr).toBe(0);
    }
    const v = gameday(ws.cwd, "verify", "run", "--require", ROLES.join(","), "--trust", "keys/trusted");
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    expect(v.stdout.trim().split("\n").at(-1)).toBe("verified");
    // roles are trimmed and case-insensitive
    expect(
      gameday(ws.cwd, "verify", "run", "--require", "SRE, product", "--trust", "keys/trusted").code,
    ).toBe(0);

    appendFileSync(join(ws.run, "gameday_report.md"), "\nall good, trust me\n");
    const t = gameday(ws.cwd, "verify", "run", "--require", ROLES.join(","), "--trust", "keys/trusted");
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/problem: .*gameday_report\.md: content changed since signing/);
    expect(t.stdout).toContain("verification FAILED");
  });

  it("a key that cannot sign is invalid input (exit 2): reused for a second role, unreadable, or overwritten", () => {
    const own = workspace();
    expect(gameday(own.cwd, "keygen", "--out", "keys", "--name", "sre").code).toBe(0);
    expect(gameday(own.cwd, "sign", "run", "--role", "sre", "--key", "keys/sre.key.pem").code).toBe(0);
    const again = gameday(own.cwd, "sign", "run", "--role", "security", "--key", "keys/sre.key.pem");
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already signed role sre; separation of duties needs a different key/);
    const missing = gameday(ws.cwd, "sign", "run", "--role", "sre", "--key", "keys/none.key.pem");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("keys/none.key.pem: not a readable private key");
    const overwrite = gameday(ws.cwd, "keygen", "--out", "keys", "--name", "sre");
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toContain("keys/sre.key.pem: already exists; refusing to overwrite a key");
  });

  it("--require / --trust parsing: unknown role and unreadable trust dir are named", () => {
    const bad = gameday(ws.cwd, "verify", "run", "--require", "sre,auditor", "--trust", "keys/trusted");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown role "auditor" (known: sre, security, product, platform)');
    const none = gameday(ws.cwd, "verify", "run", "--require", "sre", "--trust", "nowhere");
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/problem: trust dir nowhere: ENOENT/);
    const notRun = gameday(ws.cwd, "verify", "keys", "--trust", "keys/trusted");
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toContain("keys is not a run folder: it has no result.json");
  });

  it("prr check exits 1 while an item is red; sign ×4 and status --trust keys/trusted approve once ready", () => {
    writePrr(ws.cwd, ["Trigger", "RCA"]);
    const red = gameday(ws.cwd, "prr", "check", "svc.prr.yaml");
    expect(red.code).toBe(1);
    expect(red.stdout).toContain("wrote reports/prr/prr_checklist.md");
    expect(red.stdout).toMatch(/RED\s+runbooks\s+rollback\s+runbooks\/rollback\.md lacks: "RCA"/);
    expect(red.stdout).toContain("0 green, 0 excepted, 1 red — 0% ready (not ready)");
    const refused = gameday(
      ws.cwd,
      "prr",
      "sign",
      "svc.prr.yaml",
      "--role",
      "sre",
      "--key",
      "keys/sre.key.pem",
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("not ready to sign — 1 red item(s)");

    appendFileSync(join(ws.cwd, "runbooks/rollback.md"), "## RCA\n");
    expect(gameday(ws.cwd, "prr", "check", "svc.prr.yaml").code).toBe(0);
    for (const role of ROLES) {
      const s = gameday(
        ws.cwd,
        "prr",
        "sign",
        "svc.prr.yaml",
        "--role",
        role,
        "--key",
        `keys/${role}.key.pem`,
      );
      expect(s.code, s.stderr).toBe(0);
    }
    const st = gameday(ws.cwd, "prr", "status", "svc.prr.yaml", "--trust", "keys/trusted");
    expect(st.stderr).toBe("");
    expect(st.code).toBe(0);
    expect(st.stdout).toContain("signed by: sre, security, product, platform");
    expect(st.stdout.trim().split("\n").at(-1)).toBe("APPROVED");

    // a later check with different evidence never rewrites the signed checklist
    const checklist = join(ws.cwd, "reports/prr/prr_checklist.md");
    const signed = readFileSync(checklist, "utf8");
    expect(gameday(ws.cwd, "prr", "check", "svc.prr.yaml").stdout).toContain(
      "reports/prr/prr_checklist.md is current",
    );
    writeFileSync(join(ws.cwd, "runbooks/rollback.md"), "# Rollback\n## Trigger\n");
    const again = gameday(ws.cwd, "prr", "check", "svc.prr.yaml");
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(
      "kept the signed reports/prr/prr_checklist.md: today's evidence renders a different checklist, so its signatures are stale",
    );
    expect(readFileSync(checklist, "utf8")).toBe(signed);
    const stale = gameday(ws.cwd, "prr", "status", "svc.prr.yaml", "--trust", "keys/trusted");
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("problem: prr_checklist.md: stale");
    expect(stale.stderr).not.toMatch(/content changed since signing|file added after signing/);
  });

  it("sign writes intoto.jsonl, one line per role; a legacy attestation.dsse.json still verifies with a notice and is carried over by the next sign", () => {
    const own = workspace();
    const first = ROLES.filter((r) => r !== "platform");
    for (const role of first) {
      const s = gameday(
        own.cwd,
        "sign",
        "run",
        "--role",
        role,
        "--key",
        join(ws.cwd, `keys/${role}.key.pem`),
      );
      expect(s.code, s.stderr).toBe(0);
      expect(s.stdout).toContain(`→ run/intoto.jsonl`);
      expect(s.stderr).toBe("");
    }
    expect(readFileSync(join(own.run, "intoto.jsonl"), "utf8").trimEnd().split("\n")).toHaveLength(3);
    const trust = join(ws.cwd, "keys/trusted");
    toLegacy(own.run);
    const v = gameday(own.cwd, "verify", "run", "--require", first.join(","), "--trust", trust);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toContain(LEGACY_NOTICE);
    expect(v.stdout.trim().split("\n").at(-1)).toBe("verified");

    const again = gameday(
      own.cwd,
      "sign",
      "run",
      "--role",
      "platform",
      "--key",
      join(ws.cwd, "keys/platform.key.pem"),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      "notice: carried 3 signature(s) from legacy attestation.dsse.json (gameday bundle format) into intoto.jsonl and removed attestation.dsse.json",
    );
    expect(existsSync(join(own.run, "attestation.dsse.json"))).toBe(false);
    const after = gameday(own.cwd, "verify", "run", "--require", ROLES.join(","), "--trust", trust);
    expect(after.stderr).toBe("");
    expect(after.code).toBe(0);

    // an edited line fails, named by its number
    const path = join(own.run, "intoto.jsonl");
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    lines[2] = lines[2]!.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === "A" ? "B" : "A"}`);
    writeFileSync(path, `${lines.join("\n")}\n{"payloadType":\n`);
    const bad = gameday(own.cwd, "verify", "run", "--require", ROLES.join(","), "--trust", trust);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /problem: intoto\.jsonl: line 3 \(role \w+, key [0-9a-f]{16}…\): signature does not verify/,
    );
    expect(bad.stderr).toMatch(/problem: intoto\.jsonl: line 5: not valid JSON/);
    expect(bad.stdout).toContain("verification FAILED");
  }, 180_000);

  it("prr status reads a PRR folder signed in the legacy format, with a notice", () => {
    const own = { cwd: temp.make("gameday-cli-prr-legacy-") };
    writePrr(own.cwd, ["Trigger"]);
    for (const role of ROLES) {
      const s = gameday(
        own.cwd,
        "prr",
        "sign",
        "svc.prr.yaml",
        "--role",
        role,
        "--key",
        join(ws.cwd, `keys/${role}.key.pem`),
      );
      expect(s.code, s.stderr).toBe(0);
      expect(s.stdout).toContain("→ reports/prr/intoto.jsonl");
    }
    expect(readFileSync(join(own.cwd, "reports/prr/prr_checklist.md"), "utf8")).toContain(
      "Signatures: `intoto.jsonl` beside this file, an in-toto attestation bundle",
    );
    toLegacy(join(own.cwd, "reports/prr"));
    const st = gameday(own.cwd, "prr", "status", "svc.prr.yaml", "--trust", join(ws.cwd, "keys/trusted"));
    expect(st.stderr).toContain(LEGACY_NOTICE);
    expect(st.stderr).not.toContain("problem:");
    expect(st.code).toBe(0);
    expect(st.stdout.trim().split("\n").at(-1)).toBe("APPROVED");
  }, 180_000);
});
