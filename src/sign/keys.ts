// Ed25519 keys for signing reports. keyid = hex sha256 of the SPKI DER public key, so anyone can
// recompute it from a public key file and match it to a signature.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignInputError } from "./errors.ts";

export interface KeyPairFiles {
  privateKey: string;
  publicKey: string;
  /** The same public key in `<outDir>/trusted/`, the folder verifiers pass as --trust. */
  trustedPublicKey: string;
  keyid: string;
}

/** Name of the folder beside the key pairs that holds only public keys: a ready-made trust store. */
export const TRUSTED_SUBDIR = "trusted";

/**
 * Writes `<name>.key.pem` (PKCS#8, mode 0600) and `<name>.pub.pem` (SPKI) into outDir, and the
 * public key again into outDir/trusted/, so the keys of every role generated into one folder form
 * a trust store holding no private key. Never overwrites.
 */
export function keygen(outDir: string, name = "gameday"): KeyPairFiles {
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    throw new SignInputError(`key name "${name}": use letters, digits, ".", "_" or "-"`);
  const privateKey = join(outDir, `${name}.key.pem`);
  const publicKey = join(outDir, `${name}.pub.pem`);
  const trustedPublicKey = join(outDir, TRUSTED_SUBDIR, `${name}.pub.pem`);
  for (const p of [privateKey, publicKey, trustedPublicKey])
    if (existsSync(p)) throw new SignInputError(`${p}: already exists; refusing to overwrite a key`);
  mkdirSync(join(outDir, TRUSTED_SUBDIR), { recursive: true });
  const pair = generateKeyPairSync("ed25519");
  // "wx" + mode: the private key is never readable by others, not even for an instant.
  writeFileSync(privateKey, pair.privateKey.export({ type: "pkcs8", format: "pem" }), {
    mode: 0o600,
    flag: "wx",
  });
  chmodSync(privateKey, 0o600);
  const spki = pair.publicKey.export({ type: "spki", format: "pem" });
  writeFileSync(publicKey, spki, { flag: "wx" });
  writeFileSync(trustedPublicKey, spki, { flag: "wx" });
  return { privateKey, publicKey, trustedPublicKey, keyid: keyidOf(pair.publicKey) };
}

export function keyidOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

export function loadPrivateKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (err) {
    throw new SignInputError(`${file}: not a readable private key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new SignInputError(`${file}: key type is ${key.asymmetricKeyType}, expected ed25519`);
  return key;
}

export function publicKeyFromPem(pem: string, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new SignInputError(`${what}: not a public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new SignInputError(`${what}: key type is ${key.asymmetricKeyType}, expected ed25519`);
  return key;
}

export interface TrustStore {
  keys: Map<string, KeyObject>;
  problems: string[];
}

/** Public keys (`*.pem`, `*.pub`) in a folder, by keyid. Unreadable key files are reported, not skipped silently. */
export function loadTrustDir(dir: string): TrustStore {
  const keys = new Map<string, KeyObject>();
  const problems: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    return { keys, problems: [`trust dir ${dir}: ${(err as Error).message}`] };
  }
  for (const name of names.filter((n) => n.endsWith(".pem") || n.endsWith(".pub")).sort()) {
    const file = join(dir, name);
    try {
      const pem = readFileSync(file, "utf8");
      // createPublicKey would happily derive a public key from a private one; a verifier holding
      // the signers' private keys means nobody's signature proves anything, so it is refused.
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
        throw new SignInputError(
          `${file}: is a private key; a trust store holds public keys only (keygen writes them to ${TRUSTED_SUBDIR}/)`,
        );
      const key = publicKeyFromPem(pem, file);
      keys.set(keyidOf(key), key);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (keys.size === 0 && problems.length === 0)
    problems.push(`trust dir ${dir}: no public keys (*.pem, *.pub) found`);
  return { keys, problems };
}
