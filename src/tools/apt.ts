// Debian packages: installed with apt-get only where gameday runs as root and apt-get exists;
// anywhere else the exact command is printed for a person to run.
import { spawn } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { onPath } from "./executable.ts";

export class AptError extends Error {
  override name = "AptError";
}

/** Whether this process may install packages itself. */
export function canInstallPackages(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.getuid?.() === 0 && onPath("apt-get", env) !== undefined;
}

/** The command a person runs to install `packages`. */
export function aptCommand(packages: readonly string[]): string {
  const sudo = process.getuid?.() === 0 ? "" : "sudo ";
  return `${sudo}apt-get install -y ${packages.join(" ")}`;
}

/** Runs apt-get quietly; its output is kept and shown only when it fails. */
function apt(args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn("apt-get", args, {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (c: Buffer) => {
      output = (output + c.toString("utf8")).slice(-16_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", (err) => fail(new AptError(`apt-get ${args.join(" ")}: ${err.message}`)));
    child.once("close", (code, signal) => {
      if (code === 0) return done();
      const tail = output.trimEnd().split("\n").slice(-20).join("\n");
      fail(new AptError(`apt-get ${args.join(" ")} failed (${signal ?? `exit ${code}`}):\n${tail}`));
    });
  });
}

const POLICY = "/usr/sbin/policy-rc.d";

/**
 * Installs `packages` without starting their services: gameday starts Redis, Prometheus and
 * Alertmanager itself, on free ports. A policy-rc.d that answers 101 ("action forbidden") keeps the
 * maintainer scripts from starting them (PostgreSQL's package creates a "main" cluster it then
 * cannot start; nothing of gameday uses it). Only a policy-rc.d this function created is removed,
 * on every way out, signals included, so it never goes on blocking the machine's services.
 */
export async function aptInstall(packages: readonly string[]): Promise<void> {
  await apt(["update", "-qq"]);
  let created = false;
  const removePolicy = () => {
    if (created) rmSync(POLICY, { force: true });
    created = false;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    removePolicy();
    process.kill(process.pid, signal);
  };
  if (!existsSync(POLICY)) {
    writeFileSync(POLICY, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
    created = true;
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  try {
    await apt(["install", "-y", "-qq", "--no-install-recommends", ...packages]);
  } finally {
    removePolicy();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
