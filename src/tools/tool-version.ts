// A tool's version, read from its own output. Reading never hangs and never throws: a program that
// does not answer within the timeout is killed, and whatever it printed by then is still used (a
// program can exit and leave a child holding its output open, so the deadline also ends the wait).
import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { basename, dirname } from "node:path";
import { DEFAULT_VERSION_PATTERN, type Tool } from "./catalogue.ts";

export const VERSION_TIMEOUT_MS = 5_000;
/** Enough for any version banner; more is not kept. */
const MAX_OUTPUT = 64 * 1024;

export interface VersionReading {
  /** The version, or undefined when it could not be read (then `problem` says why). */
  version?: string;
  problem?: string;
}

interface Output {
  text: string;
  /** Why the program gave no usable answer, when it did not end by itself. */
  problem?: string;
}

function runForOutput(path: string, args: readonly string[], timeoutMs: number): Promise<Output> {
  return new Promise((done) => {
    let text = "";
    let settled = false;
    const finish = (problem?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done({ text, problem });
    };
    const child = spawn(path, args, { stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer) => {
      if (text.length < MAX_OUTPUT) text += chunk.toString("utf8");
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", (err) => finish(err.message));
    child.once("close", () => finish());
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(`no answer to ${args.join(" ")} within ${timeoutMs / 1000} s`);
    }, timeoutMs);
  });
}

/** The version in `output` by the tool's pattern; undefined when it is not there. */
export function versionInOutput(tool: Pick<Tool, "versionPattern">, output: string): string | undefined {
  return (tool.versionPattern ?? DEFAULT_VERSION_PATTERN).exec(output)?.[1]?.trim();
}

/**
 * The version of a `go install` build kept in the cache, from its folder (`<name>-<version>/`):
 * Go does not stamp Toxiproxy's own version into it.
 */
export function cachedBuildVersion(tool: Tool, path: string): string | undefined {
  if (tool.source.kind !== "go-install") return undefined;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  const folder = basename(dirname(real));
  return folder.startsWith(`${tool.name}-`) ? folder.slice(tool.name.length + 1) : undefined;
}

export async function readToolVersion(
  tool: Tool,
  path: string,
  timeoutMs = VERSION_TIMEOUT_MS,
): Promise<VersionReading> {
  if (tool.source.kind === "node" && path === process.execPath) return { version: process.version };
  const out = await runForOutput(path, tool.versionArgs, timeoutMs);
  const version = versionInOutput(tool, out.text) ?? cachedBuildVersion(tool, path);
  if (version) return { version };
  if (out.problem) return { problem: out.problem };
  const first = out.text
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim();
  return first
    ? { version: first.slice(0, 40) }
    : { problem: `${tool.versionArgs.join(" ")} printed nothing` };
}
