// `gameday env up` keeps the reference stack up between runs; `env down` leaves nothing running.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const main = join(root, "src/cli/main.ts");

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", main, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

describe("gameday env up | status | down", () => {
  it("brings the reference stack up, reports it, and stops every process", async () => {
    const up = gameday("env", "up");
    expect(up.code, up.out).toBe(0);
    expect(up.out).toMatch(/environment up:/);
    const state = JSON.parse(readFileSync(join(root, ".gameday", "env.json"), "utf8")) as {
      pid: number;
      config: { services: Array<{ name: string; url: string }> };
    };
    const pids = Object.values(
      JSON.parse(readFileSync(join(root, ".gameday", "env", "env", "pids.json"), "utf8")) as Record<
        string,
        number
      >,
    );
    try {
      expect(pids.length).toBeGreaterThanOrEqual(8);
      const copilot = state.config.services.find((s) => s.name === "copilot")!;
      const res = await fetch(`${copilot.url}/healthz`);
      expect(res.status).toBe(200);
      expect(gameday("env", "status").out).toMatch(/up since .* \(pid \d+, reference\)/);
      // A second `up` reuses what is running.
      expect(gameday("env", "up").out).toMatch(/already up/);
    } finally {
      const down = gameday("env", "down");
      expect(down.code, down.out).toBe(0);
    }
    expect(alive(state.pid)).toBe(false);
    expect(pids.filter(alive)).toEqual([]);
    expect(gameday("env", "status").out).toMatch(/no environment is up/);
  }, 180_000);
});
