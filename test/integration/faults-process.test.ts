// The process driver on a real child HTTP server: SIGSTOP makes it silent until SIGCONT (also sent
// by a driver in "another process" from only the journalled pid), SIGKILL is undone by a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ManagedProcess, startOnFreePort } from "../../src/env/process.ts";
import type { ProcessControl } from "../../src/faults/driver.ts";
import { ProcessDriver } from "../../src/faults/process.ts";
import { configSchema } from "../../src/scenario/config.ts";
import { faultSpec, type ProcessFault } from "../../src/scenario/schema.ts";
import { HOST, logDir, probe } from "./faults-targets.ts";

describe("process driver", () => {
  let proc: ManagedProcess;
  let url: string;
  let control: ProcessControl;
  const config = configSchema.parse({});
  const ref = { faultId: "f01", tag: "gameday-runP-f01" };
  const spec = (input: Record<string, unknown>): ProcessFault =>
    faultSpec.parse({ kind: "process", target: "web", ...input }) as ProcessFault;

  beforeAll(async () => {
    const web = await startOnFreePort((port) => ({
      name: "web",
      command: process.execPath,
      args: ["-e", `require("node:http").createServer((q, s) => s.end("up")).listen(${port}, "${HOST}")`],
      logDir: logDir(),
      ready: { http: `http://${HOST}:${port}/` },
    }));
    proc = web.process;
    url = `http://${HOST}:${web.port}/`;
    control = {
      pid: (name) => (name === "web" && proc.running ? proc.pid : undefined),
      restart: () => proc.restart(),
    };
  });
  afterAll(() => proc?.stop());

  it("SIGSTOP: the process stops answering, isActive reads the stopped state, revert resumes it", async () => {
    const driver = new ProcessDriver({ config, processes: control });
    const s = spec({ signal: "SIGSTOP", duration: "10s" });
    expect(await probe(url)).toBe(200);
    const applied = await driver.apply(s, ref);
    expect(applied.previous).toEqual({ pid: proc.pid });
    expect(await driver.isActive(s, ref)).toBe(true);
    expect(await probe(url, 300)).toBe("timeout");
    // A cleanup in another process has no ProcessControl, only the journalled pid.
    const other = new ProcessDriver({ config });
    await other.revert(s, ref, JSON.parse(JSON.stringify(applied.previous)));
    await other.revert(s, ref, applied.previous);
    expect(await driver.isActive(s, ref)).toBe(false);
    expect(await probe(url)).toBe(200);
  });

  it("SIGKILL with restart: the process is gone, revert starts it again", async () => {
    const driver = new ProcessDriver({ config, processes: control });
    const s = spec({ signal: "SIGKILL", restart: true });
    const firstPid = proc.pid;
    await driver.apply(s, ref);
    await proc.exited();
    expect(await driver.isActive(s, ref)).toBe(true);
    expect(await probe(url)).toBe("error");
    const out = await driver.revert(s, ref, { pid: firstPid });
    expect(out?.detail).toMatchObject({ restarted: "web" });
    expect(proc.pid).not.toBe(firstPid);
    expect(await driver.isActive(s, ref)).toBe(false);
    expect(await probe(url)).toBe(200);
  });

  it("refuses processes the environment did not start", async () => {
    const driver = new ProcessDriver({ config, processes: control });
    await expect(driver.apply(spec({ target: "sshd", signal: "SIGKILL" }), ref)).rejects.toThrow(
      /"sshd" was not started by this environment/,
    );
    await expect(new ProcessDriver({ config }).apply(spec({ signal: "SIGSTOP" }), ref)).rejects.toThrow(
      /not started by this environment/,
    );
  });
});
