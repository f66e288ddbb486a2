import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  cpSync,
  existsSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReports } from "../../src/report/index.ts";
import {
  type Envelope,
  INTOTO_BUNDLE_FILE,
  type KeyPairFiles,
  keygen,
  LEGACY_ATTESTATION_FILE,
  LEGACY_BUNDLE_MEDIA_TYPE,
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

const bundlePath = (dir: string) => join(dir, INTOTO_BUNDLE_FILE);
/** The bundle's lines; the file must end with a newline, as JSON Lines does. */
const linesOf = (dir: string) => {
  const text = readFileSync(bundlePath(dir), "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n");
};
const envelopesOf = (dir: string) => linesOf(dir).map((l) => JSON.parse(l) as Envelope);
const writeEnvelopes = (dir: string, envs: Envelope[]) =>
  writeFileSync(bundlePath(dir), envs.map((e) => `${JSON.stringify(e)}\n`).join(""));
const statementOf = (envs: Envelope[], i: number) =>
  JSON.parse(Buffer.from(envs[i]!.payload, "base64").toString("utf8")) as Statement;
const roleOf = (env: Envelope) => statementOf([env], 0).predicate.role;

/** What gameday wrote before intoto.jsonl: one JSON object holding the envelopes, sorted by role. */
function toLegacy(dir: string): void {
  const envelopes = envelopesOf(dir).sort((a, b) => roleOf(a).localeCompare(roleOf(b)));
  writeFileSync(
    join(dir, LEGACY_ATTESTATION_FILE),
    `${JSON.stringify({ mediaType: LEGACY_BUNDLE_MEDIA_TYPE, envelopes }, null, 2)}\n`,
  );
  unlinkSync(bundlePath(dir));
}

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
    const env = envelopesOf(dir)[0]!;
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
    const b = envelopesOf(dir);
    expect(b).toHaveLength(4);
    // one line per role, in signing order
    expect(b.map(roleOf)).toEqual([...ROLES]);
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
    expect(b[0]!.payloadType).toBe("application/vnd.in-toto+json");
    expect(Object.keys(b[0]!)).toEqual(["payloadType", "payload", "signatures"]);
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
          /^intoto\.jsonl: line 1 \(role sre, key [0-9a-f]{16}…\): result\.json: content changed since signing/,
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
    const b = envelopesOf(dir);
    const st = statementOf(b, 0);
    st.predicate.role = "security";
    b[0]!.payload = Buffer.from(JSON.stringify(st)).toString("base64");
    writeEnvelopes(dir, b);
    const v = verifyRun(dir, { require: ["security"] });
    expect(v.ok).toBe(false);
    expect(v.problems.join("\n")).toMatch(
      /intoto\.jsonl: line 1 \(role security, .*\): signature does not verify/,
    );
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
    unlinkSync(bundlePath(dir));
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
    expect(envelopesOf(dir)).toHaveLength(1);
    // splice a second sre envelope made by another key over the same files
    const other = tmp("copy");
    cpSync(template, other, { recursive: true });
    signRun(other, { role: "sre", keyFile: keys.rogue.privateKey });
    const b = envelopesOf(dir);
    b.push(envelopesOf(other)[0]!);
    writeEnvelopes(dir, b);
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
    const b = envelopesOf(dir);
    for (const role of ["security", "product", "platform"] as const) {
      const other = tmp("copy");
      cpSync(template, other, { recursive: true });
      signRun(other, { role, keyFile: keys.sre.privateKey });
      b.push(envelopesOf(other)[0]!);
    }
    writeEnvelopes(dir, b);
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
    const path = bundlePath(dir);
    const good = readFileSync(path, "utf8");
    writeFileSync(path, "{not json\n");
    expect(verifyRun(dir).problems).toEqual([
      expect.stringMatching(/^intoto\.jsonl: line 1: not valid JSON: /),
    ]);
    writeFileSync(path, JSON.stringify({ envelopes: [] }));
    expect(verifyRun(dir).problems[0]).toMatch(
      /^intoto\.jsonl: line 1: malformed envelope: payloadType: .*Unrecognized key: "envelopes"/,
    );
    const [b] = envelopesOf(freshRun(["sre"]));
    writeEnvelopes(dir, [{ ...b!, signatures: [] }]);
    expect(verifyRun(dir).problems[0]).toMatch(/line 1: malformed envelope: signatures: no signatures/);
    writeEnvelopes(dir, [{ ...b!, signatures: [{ keyid: b!.signatures[0]!.keyid, sig: "not base64!" }] }]);
    expect(verifyRun(dir).problems[0]).toMatch(/signatures\.0\.sig: not canonical base64/);
    writeFileSync(path, "");
    expect(verifyRun(dir).problems).toEqual(["intoto.jsonl: contains no signatures"]);
    writeFileSync(path, good);
    expect(verifyRun(dir).ok).toBe(true);
    rmSync(path);
    expect(verifyRun(dir)).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^intoto\.jsonl: missing — the folder is not signed/)],
    });
  });
});

describe("intoto.jsonl, the in-toto attestation bundle", () => {
  it("each role's signature is appended as a new line; earlier lines stay byte for byte", () => {
    const dir = freshRun(["sre"]);
    const [first] = linesOf(dir);
    signRun(dir, { role: "security", keyFile: keys.security.privateKey });
    const after = linesOf(dir);
    expect(after).toHaveLength(2);
    expect(after[0]).toBe(first);
    expect(readFileSync(bundlePath(dir), "utf8").startsWith(`${first}\n`)).toBe(true);
    // a bundle whose last line lost its newline still gets the next signature on a line of its own
    writeFileSync(bundlePath(dir), `${after.join("\n")}`);
    signRun(dir, { role: "product", keyFile: keys.product.privateKey });
    expect(linesOf(dir).slice(0, 2)).toEqual(after);
    expect(verifyRun(dir).ok).toBe(true);
  });

  it("re-signing by the same key replaces only that role's line and says so", () => {
    const dir = freshRun(["sre", "security", "product"]);
    const [sre, security, product] = linesOf(dir);
    const out = signRun(dir, { role: "security", keyFile: keys.security.privateKey });
    expect(out.notices).toEqual([
      "replaced role security's earlier signature by the same key (intoto.jsonl: line 2); the other signatures are unchanged",
    ]);
    const after = linesOf(dir);
    expect(after.slice(0, 2)).toEqual([sre, product]);
    expect(after[2]).not.toBe(security);
    expect(roleOf(JSON.parse(after[2]!) as Envelope)).toBe("security");
    expect(verifyRun(dir).ok).toBe(true);
  });

  it("names the line of an edited, a malformed and an empty line, and still checks the others", () => {
    const dir = freshRun(["sre", "security", "product"]);
    const lines = linesOf(dir);
    // line 2: a valid envelope whose payload was edited (one base64 character of the statement)
    const env = JSON.parse(lines[1]!) as Envelope;
    const st = statementOf([env], 0);
    st.subject[0]!.digest.sha256 = "0".repeat(64);
    env.payload = Buffer.from(JSON.stringify(st)).toString("base64");
    // line 3: cut in half; line 4: blank
    const edited = [lines[0], JSON.stringify(env), lines[2]!.slice(0, 40), ""];
    writeFileSync(bundlePath(dir), `${edited.join("\n")}\n`);
    const v = verifyRun(dir);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      expect.stringMatching(
        /^intoto\.jsonl: line 2 \(role security, key [0-9a-f]{16}…\): signature does not verify: the payload or signature was changed$/,
      ),
      expect.stringMatching(
        /^intoto\.jsonl: line 2 \(role security, .*\): gameday_report\.md: content changed since signing/,
      ),
      expect.stringMatching(/^intoto\.jsonl: line 3: not valid JSON: /),
      "intoto.jsonl: line 4: empty line (JSON Lines holds one envelope per line)",
    ]);
    expect(v.signatures.map((s) => [s.role, s.ok])).toEqual([
      ["sre", true],
      ["security", false],
      ["?", false],
      ["?", false],
    ]);
    // signing never drops or skips a line it cannot read
    expect(() => signRun(dir, { role: "platform", keyFile: keys.platform.privateKey })).toThrow(
      /intoto\.jsonl: line 3: not valid JSON: .*; fix or remove it before signing/,
    );
  });

  it("a tampered report fails in every role's line", () => {
    const dir = freshRun();
    appendFileSync(join(dir, "rollback.md"), "step 9: nothing happened\n");
    const v = verifyRun(dir);
    expect(v.problems).toEqual(
      [1, 2, 3, 4].map((n) =>
        expect.stringMatching(
          new RegExp(
            `^intoto\\.jsonl: line ${n} \\(role .*\\): rollback\\.md: content changed since signing`,
          ),
        ),
      ),
    );
  });
});

describe("legacy attestation.dsse.json (before intoto.jsonl)", () => {
  const NOTICE =
    "read legacy attestation.dsse.json (gameday bundle format); re-sign to write intoto.jsonl (the next signature by any role carries these signatures over)";

  it("still verifies, with a notice, and still fails on tampering naming the envelope", () => {
    const dir = freshRun();
    toLegacy(dir);
    const trustDir = join(keysDir, "trusted");
    const v = verifyRun(dir, { require: [...ROLES], trustDir });
    expect(v).toMatchObject({ ok: true, problems: [], notices: [NOTICE] });
    expect(v.signatures.map((s) => s.role)).toEqual(["platform", "product", "security", "sre"]);
    appendFileSync(join(dir, "junit.xml"), " ");
    const bad = verifyRun(dir, { require: [...ROLES], trustDir });
    expect(bad.ok).toBe(false);
    expect(bad.notices).toEqual([NOTICE]);
    expect(bad.problems[0]).toMatch(
      /^attestation\.dsse\.json: envelope 1 \(role platform, .*\): junit\.xml: content changed since signing/,
    );
    writeFileSync(join(dir, LEGACY_ATTESTATION_FILE), "{not json");
    expect(verifyRun(dir)).toMatchObject({
      ok: false,
      notices: [NOTICE],
      problems: [expect.stringMatching(/^attestation\.dsse\.json: not valid JSON/)],
    });
  });

  it("signing carries every legacy signature into intoto.jsonl, appends the new one and removes the old file", () => {
    const dir = freshRun(["sre", "security", "product"]);
    const lines = linesOf(dir);
    toLegacy(dir);
    const out = signRun(dir, { role: "platform", keyFile: keys.platform.privateKey });
    expect(out.notices).toEqual([
      "carried 3 signature(s) from legacy attestation.dsse.json (gameday bundle format) into intoto.jsonl and removed attestation.dsse.json",
    ]);
    expect(out.attestation).toBe(bundlePath(dir));
    expect(existsSync(join(dir, LEGACY_ATTESTATION_FILE))).toBe(false);
    const after = linesOf(dir);
    // the legacy file held them sorted by role; each carried envelope is the same envelope
    expect(after.slice(0, 3).sort()).toEqual([...lines].sort());
    expect(roleOf(JSON.parse(after[3]!) as Envelope)).toBe("platform");
    const v = verifyRun(dir, { require: [...ROLES], trustDir: join(keysDir, "trusted") });
    expect(v).toMatchObject({ ok: true, problems: [], notices: [] });
  });

  it("a legacy file beside intoto.jsonl fails verification and refuses signing", () => {
    const dir = freshRun(["sre"]);
    const lines = linesOf(dir);
    toLegacy(dir);
    writeFileSync(bundlePath(dir), `${lines.join("\n")}\n`);
    expect(verifyRun(dir).problems).toEqual([
      "attestation.dsse.json: a legacy attestation beside intoto.jsonl; only intoto.jsonl is read, and an unsigned file in a signed folder fails; remove the one that is out of date",
    ]);
    expect(() => signRun(dir, { role: "security", keyFile: keys.security.privateKey })).toThrow(
      /holds both intoto\.jsonl and a legacy attestation\.dsse\.json; remove the one that is out of date before signing/,
    );
  });
});
