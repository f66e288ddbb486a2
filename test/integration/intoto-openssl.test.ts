// intoto.jsonl read by someone who has never seen gameday's code: this file imports nothing from
// src/. It signs a run folder through the CLI, then checks each line against the in-toto bundle
// and DSSE specs by hand — the envelope's shape, the PAE built here byte by byte, each signature
// verified by plain `openssl pkeyutl`, the keyid recomputed from openssl's DER, every subject
// digest against the files — so the format is proven to be the standard one, not just gameday's
// reading of it.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const main = join(root, "src/cli/main.ts");
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
if (!hasOpenssl) console.log("skipping the in-toto bundle openssl checks: openssl is not on PATH");

const work = mkdtempSync(join(tmpdir(), "gameday-intoto-openssl-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", main, ...args], {
    cwd: work,
    encoding: "utf8",
  });
  expect(r.status, `gameday ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

function openssl(...args: string[]) {
  return spawnSync("openssl", args);
}

/** DSSE v1 Pre-Authentication Encoding, from the spec: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

interface Envelope {
  payloadType: string;
  payload: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

const ROLES = ["sre", "security"] as const;
const run = join(work, "run");
const bundle = join(run, "intoto.jsonl");
/** keyid (sha256 of the SPKI DER, as openssl exports it) → public key PEM file. */
const keysById = new Map<string, string>();
let firstLineAfterOneSignature: string;

beforeAll(() => {
  mkdirSync(run);
  copyFileSync(join(root, "test/fixtures/result-sample.json"), join(run, "result.json"));
  copyFileSync(join(root, "test/fixtures/result-sample.journal.jsonl"), join(run, "journal.jsonl"));
  gameday("report", "run");
  for (const role of ROLES) {
    gameday("keygen", "--out", "keys", "--name", role);
    const pub = join(work, "keys", `${role}.pub.pem`);
    if (hasOpenssl) {
      const der = openssl("pkey", "-pubin", "-in", pub, "-outform", "DER");
      expect(der.status).toBe(0);
      keysById.set(createHash("sha256").update(der.stdout).digest("hex"), pub);
    }
  }
  gameday("sign", "run", "--role", "sre", "--key", "keys/sre.key.pem");
  firstLineAfterOneSignature = readFileSync(bundle, "utf8");
  gameday("sign", "run", "--role", "security", "--key", "keys/security.key.pem");
});

describe("intoto.jsonl written by gameday sign", () => {
  it("is JSON Lines: one complete DSSE envelope per line; a second role appends, leaving the first line byte for byte", () => {
    const text = readFileSync(bundle, "utf8");
    expect(firstLineAfterOneSignature).toMatch(/^[^\n]+\n$/);
    expect(text.startsWith(firstLineAfterOneSignature)).toBe(true);
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines).toHaveLength(2);
    const roles: string[] = [];
    for (const line of lines) {
      const env = JSON.parse(line) as Envelope;
      expect(Object.keys(env).sort()).toEqual(["payload", "payloadType", "signatures"]);
      expect(env.payloadType).toBe("application/vnd.in-toto+json");
      expect(env.signatures).toHaveLength(1);
      expect(Object.keys(env.signatures[0]!).sort()).toEqual(["keyid", "sig"]);
      const st = JSON.parse(Buffer.from(env.payload, "base64").toString("utf8")) as {
        _type: string;
        subject: Array<{ name: string; digest: { sha256: string } }>;
        predicate: { role: string };
      };
      expect(st._type).toBe("https://in-toto.io/Statement/v1");
      roles.push(st.predicate.role);
      // the subjects are every other file of the folder, with their sha256 as sha256sum computes it
      expect(st.subject.map((s) => s.name).sort()).toEqual(
        readdirSync(run)
          .filter((f) => f !== "intoto.jsonl")
          .sort(),
      );
      for (const s of st.subject)
        expect(s.digest.sha256, s.name).toBe(
          createHash("sha256")
            .update(readFileSync(join(run, s.name)))
            .digest("hex"),
        );
    }
    expect(roles).toEqual([...ROLES]);
  });

  it.skipIf(!hasOpenssl)(
    "every line's signature verifies with openssl pkeyutl over a PAE built here; a tampered PAE or another key does not",
    () => {
      const lines = readFileSync(bundle, "utf8").trimEnd().split("\n");
      const scratch = join(work, "openssl");
      mkdirSync(scratch, { recursive: true });
      lines.forEach((line, i) => {
        const env = JSON.parse(line) as Envelope;
        const { keyid, sig } = env.signatures[0]!;
        const pub = keysById.get(keyid);
        expect(pub, `line ${i + 1}: keyid ${keyid} is the sha256 of no generated public key`).toBeDefined();
        const paeFile = join(scratch, `pae-${i + 1}.bin`);
        const sigFile = join(scratch, `sig-${i + 1}.bin`);
        const body = Buffer.from(env.payload, "base64");
        writeFileSync(paeFile, pae(env.payloadType, body));
        writeFileSync(sigFile, Buffer.from(sig, "base64"));
        // Ed25519 signs the message itself (no pre-hash), hence -rawin
        const verify = (key: string, file: string) =>
          openssl("pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", key, "-in", file, "-sigfile", sigFile);
        const ok = verify(pub!, paeFile);
        expect(ok.status, `line ${i + 1}: ${ok.stdout}${ok.stderr}`).toBe(0);
        expect(ok.stdout.toString()).toContain("Signature Verified Successfully");

        const tampered = pae(env.payloadType, body);
        tampered[tampered.length - 3]! ^= 1;
        const tamperedFile = join(scratch, `tampered-${i + 1}.bin`);
        writeFileSync(tamperedFile, tampered);
        expect(verify(pub!, tamperedFile).status).not.toBe(0);
        // the payload alone (without PAE) is not what was signed
        const bareFile = join(scratch, `bare-${i + 1}.bin`);
        writeFileSync(bareFile, body);
        expect(verify(pub!, bareFile).status).not.toBe(0);
        const otherKey = [...keysById.values()].find((k) => k !== pub)!;
        expect(verify(otherKey, paeFile).status).not.toBe(0);
      });
    },
  );
});
