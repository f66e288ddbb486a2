// `gameday doctor` and `gameday setup` as a user runs them: doctor names a tool the config needs
// when it is not on PATH (exit 3) and shows its version and place when it is; setup builds the Go
// tools into a scratch per-user cache, and a second run only re-links the cached builds. The Go
// build cache stays the machine's own (warm), so each build takes seconds, not minutes.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { onPath } from "../../src/tools/executable.ts";
import { runGameday } from "../gameday-child.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

/** A PATH of one folder holding links to just these programs (those found on this machine). */
function pathWith(programs: string[]): string {
  const dir = dirs.make("gameday-doctor-path-");
  for (const p of programs) {
    const found = onPath(p);
    if (found) symlinkSync(found, join(dir, p));
  }
  return dir;
}

/** A project folder with a config; no scenarios folder, so doctor reads no loads. */
function project(config: string): string {
  const dir = dirs.make("gameday-doctor-project-");
  writeFileSync(join(dir, "gameday.config.mjs"), `export default ${config};\n`);
  return dir;
}

const LOCAL_REDIS = `{ provider: "local", redis: [{ name: "cache", url: "redis://127.0.0.1:0" }] }`;
const redis = onPath("redis-server");

describe("gameday doctor", () => {
  it.skipIf(!redis)("names redis-server and exits 3 when a config needs it and PATH has none", () => {
    const cwd = project(LOCAL_REDIS);
    const env = { ...process.env, GAMEDAY_CACHE: dirs.make("gameday-doctor-cache-"), PATH: pathWith(["go"]) };
    const r = runGameday(["doctor", "--config", "gameday.config.mjs"], { cwd, env });
    expect(r.code, r.output).toBe(3);
    expect(r.stdout).toMatch(/^redis-server\s+missing\s+-\s+redis cache \(port 0: gameday starts it\)$/m);
    expect(r.stdout).toMatch(
      /^gameday doctor: missing what the config needs: redis-server \(((sudo )?apt-get install -y redis-server|gameday setup)\)$/m,
    );
  });

  it.skipIf(!redis)("with redis-server on PATH: exit 0, its version and where it was found", () => {
    const cwd = project(LOCAL_REDIS);
    const path = pathWith(["redis-server"]);
    const env = { ...process.env, GAMEDAY_CACHE: dirs.make("gameday-doctor-cache-"), PATH: path };
    const r = runGameday(["doctor", "--config", "gameday.config.mjs"], { cwd, env });
    expect(r.code, r.output).toBe(0);
    const version = /v=(\d+\.\d+\.\d+)/.exec(
      spawnSync(redis!, ["--version"], { encoding: "utf8" }).stdout,
    )?.[1];
    expect(r.stdout).toContain(`config: gameday.config.mjs (provider local)`);
    const row = r.stdout.split("\n").find((l) => l.startsWith("redis-server "));
    expect(row, r.stdout).toContain(version);
    expect(row).toContain(`${join(path, "redis-server")} (PATH)`);
    expect(r.stdout).toMatch(/gameday doctor: everything the config needs is here$/m);
  });

  it("without a config: exit 0, every tool listed, the reference stack's as recommended", () => {
    const cwd = dirs.make("gameday-doctor-empty-");
    const env = { ...process.env, GAMEDAY_CACHE: dirs.make("gameday-doctor-cache-") };
    const r = runGameday(["doctor"], { cwd, env });
    expect(r.code, r.output).toBe(0);
    for (const tool of [
      "node",
      "go",
      "gameday-load",
      "toxiproxy-server",
      "redis-server",
      "prometheus",
      "alertmanager",
      "k6",
    ])
      expect(r.stdout, tool).toMatch(new RegExp(`^${tool}\\s`, "m"));
    expect(r.stdout).toMatch(/^gameday-load .*recommended: the reference stack \(no config\)$/m);
    expect(r.stdout).toMatch(/^config: none/m);
  });
});

const go = onPath("go") ?? (existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : undefined);
if (!go)
  console.log("gameday setup tests skipped: Go is not installed (setup builds the load engine with it)");

describe.skipIf(!go)("gameday setup", () => {
  // External: the config needs no Debian package, so the outcome depends on Go alone.
  const cwd = project(`{ provider: "external", services: [{ name: "api", url: "http://127.0.0.1:1" }] }`);
  const cache = dirs.make("gameday-setup-cache-");
  const env = { ...process.env, GAMEDAY_CACHE: cache };
  const setup = (...args: string[]) =>
    runGameday(["setup", "--config", "gameday.config.mjs", ...args], { cwd, env, timeoutMs: 300_000 });

  it("--check builds, links and installs nothing", () => {
    const r = setup("--check");
    expect([0, 3], r.output).toContain(r.code);
    expect(readdirSync(cache)).toEqual([]);
    expect(r.stdout).toMatch(/^setup: gameday-load (found|missing)/m);
    expect(r.stdout).toMatch(
      /^setup: redis-server skipped: the config \(provider external\) does not need it$/m,
    );
  });

  it("builds gameday-load and Toxiproxy into the cache and links them into <cache>/bin; a second run is cached", () => {
    const first = setup();
    expect(first.code, first.output).toBe(0);
    for (const tool of ["gameday-load", "toxiproxy-server", "toxiproxy-cli"]) {
      const link = join(cache, "bin", tool);
      expect(readlinkSync(link).startsWith(join(cache, `${tool}-`)), tool).toBe(true);
      expect(first.stdout).toMatch(new RegExp(`^setup: ${tool} .*linked at ${link}$`, "m"));
    }
    expect(first.stdout).toMatch(/^setup: gameday-load 1 \(vegeta v[\d.]+\)/m);
    expect(first.stdout).toMatch(/^setup: toxiproxy-server v\d+\.\d+\.\d+: /m);
    expect(first.stdout).toMatch(/^setup: done: everything runs need is here/m);

    const started = Date.now();
    const second = setup();
    const ms = Date.now() - started;
    expect(second.code, second.output).toBe(0);
    for (const tool of ["gameday-load", "toxiproxy-server", "toxiproxy-cli"])
      expect(second.stdout).toMatch(
        new RegExp(`^setup: ${tool} .*cached build, nothing to build; already linked`, "m"),
      );
    expect(second.stdout).not.toMatch(/building/);
    expect(ms).toBeLessThan(10_000);
  });
});
