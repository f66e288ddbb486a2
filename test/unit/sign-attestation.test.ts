import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReports } from "../../src/report/index.ts";
import {
  ATTESTATION_FILE,
  type Bundle,
  type KeyPairFiles,
  keygen,
  pae,
  ROLES,
  type Role,
  type Statement,
  signRun,
  verifyRun,
} from "../../src/sign/index.ts";
import { tempDirs } from "../temp-dirs.ts";

const fixtures = new URL("../fixtures/", import.meta.url);
const temp = tempDirs();
afterAll(() => temp.removeAll());
const tmp = (p: string) => temp.make(`gameday-sign-${p}-`);
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
if (!hasOpenssl) console.log("skipping the openssl cross-check: openssl is not on PATH");

let keysDir: string;
const keys: Record<Role | "rogue", KeyPairFiles> = {} as never;
let template: string;

beforeAll(async () => {
  keysDir = tmp("keys");
  for (const r of [...ROLES, "rogue"] as const) keys[r] = keygen(keysDir, r);
  template = tmp("run");
  writeFileSync(join(template, "result.json"), readFileSync(new URL("result-sample.json", fixtures)));
  writeFileSync(
    join(template, "journal.jsonl"),
    readFileSync(new URL("result-sample.journal.jsonl", fixtures)),
  );
  await renderReports(template);
});

function freshRun(roles: readonly Role[] = ROLES): string {
  const dir = tmp("copy");
  cpSync(template, dir, { recursive: true });
  for (const role of roles) signRun(dir, { role, keyFile: keys[role].privateKey });
  return dir;
}

const bundleOf = (dir: string) => JSON.parse(readFileSync(join(dir, ATTESTATION_FILE), "utf8")) as Bundle;
const statementOf = (b: Bundle, i: number) =>
  JSON.parse(Buffer.from(b.envelopes[i]!.payload, "base64").toString("utf8")) as Statement;

describe("keygen", () => {
  it("writes an Ed25519 PEM pair, the private key mode 0600, keyid = sha256 of the SPKI DER", () => {
    const k = keys.sre;
    expect(statSync(k.privateKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(k.publicKey, "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const der = Buffer.from(readFileSync(k.publicKey, "utf8").replace(/-----[^-]+-----|\s/g, ""), "base64");
    expect(k.keyid).toBe(createHash("sha256").update(der).digest("hex"));
    expect(readFileSync(k.trustedPublicKey, "utf8")).toBe(readFileSync(k.publicKey, "utf8"));
    expect(k.trustedPublicKey).toBe(join(keysDir, "trusted", "sre.pub.pem"));
    expect(() => keygen(keysDir, "sre")).toThrow(/already exists/);
  });
});

describe("DSSE", () => {
  it("PAE matches the DSSE spec's example encoding byte for byte", () => {
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
    // lengths are byte lengths, not characters
    expect(pae("t", Buffer.from("é")).toString("latin1")).toBe("DSSEv1 1 t 2 Ã©");
  });

  it.skipIf(!hasOpenssl)("signatures verify with an independent implementation (openssl pkeyutl)", () => {
    const dir = freshRun(["sre"]);
    const env = bundleOf(dir).envelopes[0]!;
    const work = tmp("openssl");
    const paeFile = join(work, "pae.bin");
    const sigFile = join(work, "sig.bin");
    writeFileSync(paeFile, pae(env.payloadType, Buffer.from(env.payload, "base64")));
    writeFileSync(sigFile, Buffer.from(env.signatures[0]!.sig, "base64"));
    const args = [
      "pkeyutl",
      "-verify",
      "-pubin",
      "-inkey",
      keys.sre.publicKey,
      "-rawin",
      "-in",
      paeFile,
      "-sigfile",
      sigFile,
    ];
    expect(execFileSync("openssl", args, { encoding: "utf8" })).toMatch(/Signature Verified Successfully/);
    // and openssl rejects the same signature over a payload with one byte changed
    const tampered = readFileSync(paeFile);
    tampered[tampered.length - 2]! ^= 1;
    writeFileSync(paeFile, tampered);
    expect(spawnSync("openssl", args).status).not.toBe(0);
    // keyid computed by openssl from the public key
    const der = execFileSync("openssl", ["pkey", "-pubin", "-in", keys.sre.publicKey, "-outform", "DER"]);
    expect(env.signatures[0]!.keyid).toBe(createHash("sha256").update(der).digest("hex"));
  });
});

describe("signRun / verifyRun", () => {
  it("signs every report file as an in-toto statement and verifies all four roles", () => {
    const dir = freshRun();
    const b = bundleOf(dir);
    expect(b.envelopes).toHaveLength(4);
    const st = statementOf(b, 0);
    expect(st._type).toBe("https://in-toto.io/Statement/v1");
    expect(st.predicateType).toBe("https://gameday.dev/report/v1");
    expect(st.predicate).toMatchObject({ runId: "2026-01-01T10-00-00Z-a1b2", verdict: "FAIL" });
    expect(st.subject.map((s) => s.name)).toEqual([
      "gameday_report.md",
      "ic-update.md",
      "journal.jsonl",
      "junit.xml",
      "report.html",
      "result.json",
      "rollback.md",
    ]);
    expect(b.envelopes[0]!.payloadType).toBe("application/vnd.in-toto+json");
    const v = verifyRun(dir, { require: [...ROLES], trustDir: join(keysDir, "trusted") });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.signatures.map((s) => s.role).sort()).toEqual([...ROLES].sort());
    expect(v.signatures.every((s) => s.ok)).toBe(true);
  });

  it("detects a change at every byte position of a report file (100 %)", () => {
    const dir = freshRun(["sre"]);
    const file = join(dir, "ic-update.md");
    const original = readFileSync(file);
    let detected = 0;
    for (let i = 0; i < original.length; i++) {
      const copy = Buffer.from(original);
      copy[i] = copy[i]! ^ 0xff;
      writeFileSync(file, copy);
      const v = verifyRun(dir);
      if (!v.ok && v.problems.some((p) => p.includes("ic-update.md: content changed since signing")))
        detected++;
    }
    writeFileSync(file, original);
    expect(original.length).toBeGreaterThan(500);
    expect(detected).toBe(original.length);
    expect(verifyRun(dir).ok).toBe(true);
  });

  it("detects bytes appended to a subject file, even a single newline", () => {
    const dir = freshRun(["sre"]);
    const file = join(dir, "result.json");
    const original = readFileSync(file);
    for (const extra of ["\n", " ", '{"verdict":"PASS"}']) {
      appendFileSync(file, extra);
      const v = verifyRun(dir);
      expect(v.ok, JSON.stringify(extra)).toBe(false);
      expect(v.problems).toEqual([
        expect.stringMatching(
          /envelope 1 \(role sre, key [0-9a-f]{16}…\): result\.json: content changed since signing/,
        ),
      ]);
      writeFileSync(file, original);
    }
    expect(verifyRun(dir).ok).toBe(true);
  });

  it("names an added, a removed and a truncated file", () => {
    const dir = freshRun(["sre"]);
    writeFileSync(join(dir, "extra.md"), "x");
    unlinkSync(join(dir, "rollback.md"));
    writeFileSync(join(dir, "junit.xml"), readFileSync(join(dir, "junit.xml")).subarray(0, 10));
    const v = verifyRun(dir);
    expect(v.ok).toBe(false);
    expect(v.problems.join("\n")).toMatch(/extra\.md: file added after signing/);
    expect(v.problems.join("\n")).toMatch(/rollback\.md: signed file was removed/);
    expect(v.problems.join("\n")).toMatch(/junit\.xml: content changed since signing/);
  });

  it("fails on a changed payload (e.g. a swapped role claim or digest)", () => {
    const dir = freshRun(["sre"]);
    const b = bundleOf(dir);
    const st = statementOf(b, 0);
    st.predicate.role = "security";
    b.envelopes[0]!.payload = Buffer.from(JSON.stringify(st)).toString("base64");
    writeFileSync(join(dir, ATTESTATION_FILE), JSON.stringify(b));
    const v = verifyRun(dir, { require: ["security"] });
    expect(v.ok).toBe(false);
    expect(v.problems.join("\n")).toMatch(/signature does not verify/);
    expect(v.problems.join("\n")).toMatch(/required role security has no valid signature/);
  });

  it("fails on a signature by a key not in the trust dir", () => {
    const dir = tmp("copy");
    cpSync(template, dir, { recursive: true });
    signRun(dir, { role: "sre", keyFile: keys.rogue.privateKey });
    expect(verifyRun(dir).ok).toBe(true);
    const trust = tmp("trust");
    cpSync(keys.sre.publicKey, join(trust, "sre.pub.pem"));
    const v = verifyRun(dir, { trustDir: trust });
    expect(v.ok).toBe(false);
    expect(v.problems.join("\n")).toContain(`signed by untrusted key ${keys.rogue.keyid}`);
  });

  it("without a trust store: required roles fail, and an attacker's re-signed tampering is only self-consistent", () => {
    const dir = freshRun();
    // tamper, drop the real signatures and re-sign with the attacker's key
    writeFileSync(join(dir, "gameday_report.md"), "# all PASS, honest\n");
    unlinkSync(join(dir, ATTESTATION_FILE));
    signRun(dir, { role: "sre", keyFile: keys.rogue.privateKey });
    const untrusted = verifyRun(dir);
    expect(untrusted).toMatchObject({ ok: true, trusted: false });
    const required = verifyRun(dir, { require: ["sre"] });
    expect(required.ok).toBe(false);
    expect(required.problems).toEqual([
      "required roles (sre) cannot be checked without a trust store: with only the keys embedded in the envelopes, anyone can re-sign a changed folder as any role",
    ]);
    const trust = tmp("trust");
    for (const r of ROLES) cpSync(keys[r].publicKey, join(trust, `${r}.pub.pem`));
    const trusted = verifyRun(dir, { require: ["sre"], trustDir: trust });
    expect(trusted.trusted).toBe(true);
    expect(trusted.problems.join("\n")).toContain(`signed by untrusted key ${keys.rogue.keyid}`);
  });

  it("a trust dir holding private keys fails, naming each one (keygen's trusted/ holds public keys only)", () => {
    const dir = freshRun(["sre"]);
    const v = verifyRun(dir, { require: ["sre"], trustDir: keysDir });
    expect(v.ok).toBe(false);
    expect(v.problems).toContain(
      `${join(keysDir, "sre.key.pem")}: is a private key; a trust store holds public keys only (keygen writes them to trusted/)`,
    );
    expect(verifyRun(dir, { require: ["sre"], trustDir: join(keysDir, "trusted") }).ok).toBe(true);
  });

  it("names a missing required role", () => {
    const dir = freshRun(["sre", "security"]);
    const v = verifyRun(dir, { require: [...ROLES], trustDir: join(keysDir, "trusted") });
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      "required role product has no valid signature",
      "required role platform has no valid signature",
    ]);
  });

  it("rejects a duplicated role claim by a different key, at signing and at verification", () => {
    const dir = freshRun(["sre"]);
    expect(() => signRun(dir, { role: "sre", keyFile: keys.rogue.privateKey })).toThrow(
      /role sre is already signed by key/,
    );
    // the same key may re-sign (replaces its own signature)
    signRun(dir, { role: "sre", keyFile: keys.sre.privateKey });
    expect(bundleOf(dir).envelopes).toHaveLength(1);
    // splice a second sre envelope made by another key over the same files
    const other = tmp("copy");
    cpSync(template, other, { recursive: true });
    signRun(other, { role: "sre", keyFile: keys.rogue.privateKey });
    const b = bundleOf(dir);
    b.envelopes.push(bundleOf(other).envelopes[0]!);
    writeFileSync(join(dir, ATTESTATION_FILE), JSON.stringify(b));
    const v = verifyRun(dir);
    expect(v.ok).toBe(false);
    expect(v.problems.join("\n")).toMatch(/role sre is claimed 2 times/);
  });

  it("separation of duties: one key cannot hold two required roles, at signing and at verification", () => {
    const dir = freshRun(["sre"]);
    expect(() => signRun(dir, { role: "security", keyFile: keys.sre.privateKey })).toThrow(
      /key [0-9a-f]{64} already signed role sre; separation of duties needs a different key for role security/,
    );
    // splice envelopes that the sre key made for every other role over the same files
    const b = bundleOf(dir);
    for (const role of ["security", "product", "platform"] as const) {
      const other = tmp("copy");
      cpSync(template, other, { recursive: true });
      signRun(other, { role, keyFile: keys.sre.privateKey });
      b.envelopes.push(bundleOf(other).envelopes[0]!);
    }
    writeFileSync(join(dir, ATTESTATION_FILE), JSON.stringify(b));
    const v = verifyRun(dir, { require: [...ROLES], trustDir: join(keysDir, "trusted") });
    expect(v.ok).toBe(false);
    expect(v.signatures.every((s) => s.ok)).toBe(true);
    expect(v.problems).toEqual([
      `separation of duties: key ${keys.sre.keyid} signed 4 required roles (sre, security, product, platform); each required role needs its own key`,
    ]);
    // two of them required: still one key for two roles
    expect(
      verifyRun(dir, { require: ["sre", "product"], trustDir: join(keysDir, "trusted") }).problems,
    ).toEqual([
      `separation of duties: key ${keys.sre.keyid} signed 2 required roles (sre, product); each required role needs its own key`,
    ]);
  });

  it("fails with a reason on a malformed or missing attestation", () => {
    const dir = freshRun(["sre"]);
    const path = join(dir, ATTESTATION_FILE);
    const good = readFileSync(path, "utf8");
    writeFileSync(path, "{not json");
    expect(verifyRun(dir).problems[0]).toMatch(/attestation\.dsse\.json: not valid JSON/);
    writeFileSync(path, JSON.stringify({ envelopes: [] }));
    expect(verifyRun(dir).problems[0]).toMatch(/malformed bundle: mediaType/);
    const b = JSON.parse(good) as Bundle;
    b.envelopes[0]!.signatures = [];
    writeFileSync(path, JSON.stringify(b));
    expect(verifyRun(dir).problems[0]).toMatch(/envelope 1: malformed envelope: signatures: no signatures/);
    const c = JSON.parse(good) as Bundle;
    c.envelopes[0]!.signatures[0]!.sig = "not base64!";
    writeFileSync(path, JSON.stringify(c));
    expect(verifyRun(dir).problems[0]).toMatch(/signatures\.0\.sig: not canonical base64/);
    rmSync(path);
    expect(verifyRun(dir)).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/missing — the folder is not signed/)],
    });
  });
});
