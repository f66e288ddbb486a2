// The signing and PRR flow as the README tells it, through the real CLI: keygen per role, sign,
// verify, tamper, prr check/sign/status, and the trust-store rules of --require / --trust.
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const main = join(root, "src/cli/main.ts");
const ROLES = ["sre", "security", "product", "platform"] as const;

function gameday(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", main, ...args], {
    cwd,
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A fresh working folder holding one rendered run folder, `run/`. */
function workspace(): { cwd: string; run: string } {
  const cwd = mkdtempSync(join(tmpdir(), "gameday-cli-sign-"));
  const run = join(cwd, "run");
  mkdirSync(run);
  copyFileSync(join(root, "test/fixtures/result-sample.json"), join(run, "result.json"));
  copyFileSync(join(root, "test/fixtures/result-sample.journal.jsonl"), join(run, "journal.jsonl"));
  const r = gameday(cwd, "report", "run");
  expect(r.code, r.err).toBe(0);
  return { cwd, run };
}

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
    expect(r.err).toContain("gameday verify: --require needs --trust DIR: without a trust store");
    expect(r.out).toBe("");
  });

  it("without --require and --trust it passes but says UNTRUSTED, loudly", () => {
    const r = gameday(ws.cwd, "verify", "run");
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      "WARNING: signer keys were not checked against a trust store (no --trust); anyone could have re-signed this folder",
    );
    expect(r.out).toMatch(/^verified UNTRUSTED \(/m);
  });

  it("prr status without --trust is a usage error (exit 2)", () => {
    const r = gameday(ws.cwd, "prr", "status", "any.prr.yaml");
    expect(r.code).toBe(2);
    expect(r.err).toContain("gameday prr: prr status needs --trust DIR: approval requires all four roles");
  });

  it("verify --help explains the trust rule", () => {
    const r = gameday(ws.cwd, "verify", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("--require without --trust is a usage error (exit 2)");
  });
});
