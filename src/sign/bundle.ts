// The in-toto Attestation Framework bundle: JSON Lines, one complete DSSE envelope per line, so any
// in-toto or DSSE tool can read a signed folder without knowing gameday. The spec names a bundle
// about several artifacts `intoto.jsonl`; a gameday folder is several artifacts.
import { appendFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Envelope } from "./dsse.ts";

export const INTOTO_BUNDLE_FILE = "intoto.jsonl";
export const INTOTO_BUNDLE_MEDIA_TYPE = "application/vnd.in-toto.bundle";

/** One line of a bundle, 1-based, with its exact text (kept byte for byte when the bundle is rewritten). */
export type BundleLine =
  | { line: number; text: string; json: unknown }
  | { line: number; text: string; error: string };

/**
 * Splits a bundle into its lines. A line that is empty or not JSON is returned as an error rather
 * than thrown, so a verifier can name it and still check every other line.
 */
export function parseBundle(text: string): BundleLine[] {
  const lines = text.split("\n");
  // JSON Lines ends every line with "\n", so the text after the last one is empty.
  if (lines.at(-1) === "") lines.pop();
  return lines.map((raw, i) => {
    const line = i + 1;
    // a CRLF checkout leaves "\r" at the end of each line; it is not part of the envelope
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (!text.trim()) return { line, text, error: "empty line (JSON Lines holds one envelope per line)" };
    try {
      return { line, text, json: JSON.parse(text) as unknown };
    } catch (err) {
      return { line, text, error: `not valid JSON: ${(err as Error).message}` };
    }
  });
}

export function readBundleFile(path: string): BundleLine[] {
  return parseBundle(readFileSync(path, "utf8"));
}

/** An envelope as one bundle line: compact JSON (no newline can occur inside it) and the "\n". */
export function envelopeLine(env: Envelope): string {
  return `${JSON.stringify({ payloadType: env.payloadType, payload: env.payload, signatures: env.signatures })}\n`;
}

/**
 * Adds a signature without touching the bytes of any earlier line: an appended line is all a new
 * signer changes, which is what lets the other roles' lines be compared byte for byte.
 */
export function appendEnvelope(path: string, env: Envelope): void {
  let before = "";
  try {
    before = readFileSync(path, "utf8");
  } catch {
    // no bundle yet: the append creates it
  }
  const separator = before && !before.endsWith("\n") ? "\n" : "";
  appendFileSync(path, `${separator}${envelopeLine(env)}`);
}

/** Writes a whole bundle from line texts (without "\n"), via a rename so a reader never sees half of it. */
export function writeBundle(path: string, lines: string[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, lines.map((l) => `${l}\n`).join(""));
  renameSync(tmp, path);
}
