// `gameday env up` that does not get to "up" leaves nothing running: a start that fails (a binary
// that exits at once) is exit 3 with the reason, and Ctrl-C during the start is exit 130. Every
// process the attempt started is found by a marker in its environment, which children inherit.
import { randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/env/process.ts";
import { afterAll, describe, expect, it } from "vitest";
import { spawnGameday } from "../gameday-child.ts";

const work = mkdtempSync(join(tmpdir(), "gameday-env-up-failure-"));
const marked: string[] = [];
afterAll(() => {
  for (const m of marked) {
    for (const p of withMarker(m)) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
  }
  rmSync(work, { recursive: true, force: true });
});

/** Live processes whose environment carries GAMEDAY_TEST_MARKER=marker. */
function withMarker(marker: string): Array<{ pid: number; cmd: string }> {
  const needle = `GAMEDAY_TEST_MARKER=${marker}`;
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (/\) Z /.test(readFileSync(`/proc/${e}/stat`, "utf8"))) continue;
      if (!readFileSync(`/proc/${e}/environ`, "utf8").split("\0").includes(needle)) continue;
      found.push({ pid: Number(e), cmd: readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0").join(" ") });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

async function folder(name: string): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "gameday.config.ts"),
    `import { defineConfig } from "gameday";
export default defineConfig({ provider: "reference", receiver: { listen: "127.0.0.1:${await freePort()}" } });
`,
  );
  return dir;
}

function envUp(dir: string, extraEnv: Record<string, string> = {}) {
  const marker = randomUUID();
  marked.push(marker);
  const up = spawnGameday(["env", "up"], {
    cwd: dir,
    env: { ...process.env, ...extraEnv, GAMEDAY_TEST_MARKER: marker },
  });
  return { child: up.child, marker, exit: up.exited, output: up.output };
}

describe("gameday env up that does not come up", () => {
  it("a failed start (toxiproxy-server exits at once): exit 3, the reason, nothing left running", async () => {
    const dir = await folder("failed");
    const up = envUp(dir, { TOXIPROXY_SERVER_BIN: "/bin/false" });
    const code = await up.exit;
    expect(code, up.output()).toBe(3);
    expect(up.output()).toMatch(
      /environment error: the environment failed to start: reference stack: toxiproxy did not start: toxiproxy exited before it was ready/,
    );
    // redis-server started before toxiproxy failed; it and the holder must be gone.
    expect(readFileSync(join(dir, ".gameday", "env", "logs", "redis.log"), "utf8")).toMatch(
      /Ready to accept/i,
    );
    expect(withMarker(up.marker)).toEqual([]);
    expect(existsSync(join(dir, ".gameday", "env.json"))).toBe(false);
  }, 120_000);

  it("Ctrl-C while the stack is starting: exit 130, nothing left running", async () => {
    const dir = await folder("interrupted");
    const up = envUp(dir);
    const pids = join(dir, ".gameday", "env", "env", "pids.json");
    // Interrupt once the first servers run and before the stack is up.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (existsSync(pids) && /"toxiproxy"/.test(readFileSync(pids, "utf8"))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(existsSync(join(dir, ".gameday", "env.json")), "the stack came up before the interrupt").toBe(
      false,
    );
    expect(withMarker(up.marker).length).toBeGreaterThanOrEqual(3); // up, holder, redis, toxiproxy…
    up.child.kill("SIGINT");
    const code = await up.exit;
    expect(code, up.output()).toBe(130);
    expect(up.output()).toMatch(/SIGINT received: stopping the environment that was starting/);
    expect(withMarker(up.marker)).toEqual([]);
    expect(existsSync(join(dir, ".gameday", "env.json"))).toBe(false);
  }, 120_000);
});
