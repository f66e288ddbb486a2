// The tool catalogue behind `gameday setup` and `gameday doctor`: the versions.env parser, which
// tools a config needs, the search order, the load engine's cache key (it must equal the one
// scripts/setup.sh has always computed, so the checkout and the package share builds) and how the
// missing tools are named.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configSchema, type GamedayConfigInput } from "../../src/scenario/config.ts";
import { linkTool } from "../../src/tools/bin-link.ts";
import { type Tool, toolCatalogue, toolsFor } from "../../src/tools/catalogue.ts";
import { userBinDir, userCacheDir } from "../../src/tools/folders.ts";
import { goInstallCachePath, loadEngineCachePath, loadEngineHash } from "../../src/tools/go-build.ts";
import { obtainGoTool } from "../../src/tools/go-tool-setup.ts";
import { locateProgram } from "../../src/tools/locate.ts";
import { describeMissing } from "../../src/tools/missing.ts";
import { toolNeeds } from "../../src/tools/needs.ts";
import { NODE_MINIMUM, nodeSupported } from "../../src/tools/node-runtime.ts";
import { parseVersionsEnv, pinnedVersions, readPinnedVersions } from "../../src/tools/pinned-versions.ts";
import { readToolVersion, versionInOutput } from "../../src/tools/tool-version.ts";
import { tempDirs } from "../temp-dirs.ts";

const root = resolve(import.meta.dirname, "../..");
const dirs = tempDirs();
afterAll(() => dirs.removeAll());

const config = (c: GamedayConfigInput) => configSchema.parse(c);
const catalogue = toolCatalogue(readPinnedVersions());
const tool = (name: string): Tool => catalogue.find((t) => t.name === name)!;

function executable(dir: string, name: string, script = "#!/bin/sh\necho 1.2.3\n"): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return file;
}

describe("versions.env", () => {
  it("reads KEY=VALUE, quoted values and comments as the shell does", () => {
    const values = parseVersionsEnv(
      [
        "# pinned",
        "NODE_VERSION=24.21.0",
        "",
        'DEBIAN_PACKAGES="redis-server prometheus"  # runs',
        "ACTIONLINT_VERSION='v1.7.12'",
        "export TOXIPROXY_VERSION=v2.12.0 # trailing comment",
      ].join("\n"),
    );
    expect(Object.fromEntries(values)).toEqual({
      NODE_VERSION: "24.21.0",
      DEBIAN_PACKAGES: "redis-server prometheus",
      ACTIONLINT_VERSION: "v1.7.12",
      TOXIPROXY_VERSION: "v2.12.0",
    });
  });

  it("rejects lines the shell would not read as an assignment", () => {
    expect(() => parseVersionsEnv("NODE_VERSION=24 21")).toThrow(/quote a value with spaces/);
    expect(() => parseVersionsEnv('A="open')).toThrow(/versions.env:1: unbalanced quotes/);
    expect(() => parseVersionsEnv("\njust words")).toThrow(/versions.env:2: not a KEY=VALUE line/);
    expect(() => pinnedVersions(parseVersionsEnv("NODE_VERSION=1"))).toThrow(/VEGETA_VERSION is not set/);
  });

  it("the repository's file: runs' Debian packages apart from the tests' and benchmarks'", () => {
    const pins = readPinnedVersions();
    expect(pins.debianPackages).toEqual(["redis-server", "prometheus", "prometheus-alertmanager"]);
    expect(pins.debianDevPackages).toEqual(["chromium", "wrk", "postgresql-15", "haproxy"]);
    expect(pins.toxiproxyVersion).toMatch(/^v\d+\.\d+\.\d+$/);
    // What bash reads from the same file (scripts/setup.sh sources it).
    const shell = execFileSync(
      "bash",
      ["-c", '. scripts/versions.env; printf "%s|%s" "$TOXIPROXY_MODULE" "$DEBIAN_PACKAGES"'],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(shell).toBe(`${pins.toxiproxyModule}|${pins.debianPackages.join(" ")}`);
  });
});

describe("the catalogue", () => {
  it("has every tool runs use, and the repository's own only with --dev", () => {
    const run = toolsFor(catalogue, { dev: false }).map((t) => t.name);
    expect(run).toEqual([
      "node",
      "go",
      "gameday-load",
      "toxiproxy-server",
      "toxiproxy-cli",
      "redis-server",
      "prometheus",
      "alertmanager",
      "k6",
    ]);
    const dev = toolsFor(catalogue, { dev: true }).map((t) => t.name);
    expect(dev.slice(run.length)).toEqual(["actionlint", "chromium", "wrk", "postgresql-15", "haproxy"]);
    // k6 is the user's own, never obtained by gameday.
    expect(tool("k6").source).toEqual({ kind: "user-installed" });
    expect(tool("toxiproxy-server").source).toMatchObject({
      kind: "go-install",
      pkg: "github.com/Shopify/toxiproxy/v2/cmd/server",
      binary: "server",
    });
  });

  it("needs Node as package.json says", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${NODE_MINIMUM}`);
    expect(nodeSupported("v22.18.0")).toBe(true);
    expect(nodeSupported("v24.0.0")).toBe(true);
    expect(nodeSupported("v22.17.1")).toBe(false);
    expect(nodeSupported("v20.19.0")).toBe(false);
  });

  it("finds versions in what the programs print", () => {
    expect(
      versionInOutput(tool("redis-server"), "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc"),
    ).toBe("7.0.15");
    expect(versionInOutput(tool("prometheus"), "prometheus, version 2.42.0+ds (branch: debian/sid)")).toBe(
      "2.42.0+ds",
    );
    expect(versionInOutput(tool("gameday-load"), "gameday-load 1 (vegeta v12.13.0)\n")).toBe(
      "1 (vegeta v12.13.0)",
    );
    expect(versionInOutput(tool("go"), "go version go1.26.8 linux/amd64")).toBe("1.26.8");
    // go install leaves Toxiproxy unstamped; the cache folder's version is used instead.
    expect(versionInOutput(tool("toxiproxy-server"), "toxiproxy-server version git")).toBeUndefined();
  });

  it("reads a version without hanging and without throwing", async () => {
    const dir = dirs.make("gameday-tools-version-");
    const hangs = executable(dir, "hangs", "#!/bin/sh\necho Redis server v=7.0.15\nexec sleep 30\n");
    const started = Date.now();
    const r = await readToolVersion(tool("redis-server"), hangs, 300);
    expect(Date.now() - started).toBeLessThan(3_000);
    // What it printed before the deadline still counts.
    expect(r).toEqual({ version: "7.0.15" });
    const silent = await readToolVersion(
      tool("redis-server"),
      executable(dir, "silent", "#!/bin/sh\nsleep 30\n"),
      300,
    );
    expect(silent.problem).toMatch(/no answer to --version within 0.3 s/);
    expect((await readToolVersion(tool("redis-server"), join(dir, "absent"))).problem).toMatch(/ENOENT/);
    // A go-install build in the cache layout gives its folder's version.
    const cached = executable(
      join(dir, "toxiproxy-server-v9.9.9"),
      "toxiproxy-server",
      "#!/bin/sh\necho version git\n",
    );
    expect(await readToolVersion(tool("toxiproxy-server"), cached)).toEqual({ version: "v9.9.9" });
  });
});

describe("what a config needs", () => {
  const level = (needs: ReturnType<typeof toolNeeds>, name: string) => needs.get(name)?.level ?? "optional";

  it("provider reference: the load engine, Toxiproxy, Redis, Prometheus and Alertmanager", () => {
    const needs = toolNeeds({ config: config({ provider: "reference" }) });
    for (const name of [
      "gameday-load",
      "toxiproxy-server",
      "redis-server",
      "prometheus",
      "alertmanager",
      "node",
    ])
      expect(level(needs, name), name).toBe("required");
    expect(level(needs, "k6")).toBe("optional");
    expect(level(needs, "toxiproxy-cli")).toBe("optional");
  });

  it("provider local: toxiproxy-server for toxiproxy.api, redis-server for redis entries on port 0", () => {
    const local = toolNeeds({
      config: config({
        provider: "local",
        toxiproxy: { api: "127.0.0.1:0" },
        redis: [
          { name: "cache", url: "redis://127.0.0.1:0" },
          { name: "shared", url: "redis://127.0.0.1:6379" },
        ],
      }),
    });
    expect(level(local, "toxiproxy-server")).toBe("required");
    expect(local.get("redis-server")).toEqual({
      level: "required",
      reasons: ["redis cache (port 0: gameday starts it)"],
    });
    expect(level(local, "prometheus")).toBe("optional");

    const running = toolNeeds({
      config: config({ provider: "local", toxiproxy: { api: "127.0.0.1:8474" }, redis: [] }),
    });
    // A Toxiproxy already listening there is used as it is.
    expect(level(running, "toxiproxy-server")).toBe("recommended");
    expect(level(running, "redis-server")).toBe("optional");
  });

  it("provider external: only the load engine, for built-in loads; k6 loads need the user's k6", () => {
    const external = config({ provider: "external", services: [{ name: "api", url: "http://127.0.0.1:1" }] });
    const loads = [
      { id: "a", kind: "http" as const },
      { id: "b", kind: "k6" as const },
    ];
    const needs = toolNeeds({ config: external, loads });
    expect(needs.get("gameday-load")).toEqual({ level: "required", reasons: ["built-in loads: a"] });
    expect(needs.get("k6")).toEqual({ level: "required", reasons: ["k6 loads: b"] });
    for (const name of ["toxiproxy-server", "redis-server", "prometheus", "alertmanager"])
      expect(level(needs, name), name).toBe("optional");
    // Scenarios not read: the load engine is advised, not required.
    expect(level(toolNeeds({ config: external }), "gameday-load")).toBe("recommended");
    expect(level(toolNeeds({ config: external, loads: [] }), "gameday-load")).toBe("optional");
  });

  it("no config: nothing but Node is required; the reference stack's tools are recommended", () => {
    const needs = toolNeeds({ loads: [{ id: "x", kind: "k6" }] });
    expect([...needs].filter(([, n]) => n.level === "required").map(([name]) => name)).toEqual(["node"]);
    for (const name of [
      "gameday-load",
      "toxiproxy-server",
      "redis-server",
      "prometheus",
      "alertmanager",
      "k6",
    ])
      expect(level(needs, name), name).toBe("recommended");
  });
});

describe("finding a tool", () => {
  it("override, checkout, per-user bin, PATH, system folders; a broken override is noted and passed over", () => {
    const base = dirs.make("gameday-tools-locate-");
    const env = { GAMEDAY_CACHE: join(base, "cache"), PATH: join(base, "path") };
    const checkoutBin = join(base, "checkout");
    const search = {
      programs: ["thing"],
      envVar: "THING_BIN",
      linkedBins: true,
      path: true,
      systemDirs: [join(base, "sys")],
    };
    const locate = (extra: NodeJS.ProcessEnv = {}) =>
      locateProgram(search, { env: { ...env, ...extra }, checkoutBin });

    expect(locate()).toEqual({});
    const sys = executable(join(base, "sys"), "thing");
    expect(locate().found).toEqual({ path: sys, via: "system" });
    const onPath = executable(join(base, "path"), "thing");
    expect(locate().found).toEqual({ path: onPath, via: "PATH" });
    const user = executable(userBinDir(env), "thing");
    expect(locate().found).toEqual({ path: user, via: "user cache" });
    const checkout = executable(checkoutBin, "thing");
    expect(locate().found).toEqual({ path: checkout, via: "checkout" });
    expect(locate({ THING_BIN: sys }).found).toEqual({ path: sys, via: "override" });
    expect(locate({ THING_BIN: join(base, "nowhere") })).toEqual({
      found: { path: checkout, via: "checkout" },
      ignoredOverride: { envVar: "THING_BIN", value: join(base, "nowhere") },
    });
  });

  it("the per-user cache is GAMEDAY_CACHE, else XDG_CACHE_HOME/gameday, else ~/.cache/gameday", () => {
    expect(userCacheDir({ GAMEDAY_CACHE: "/c", XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/c");
    expect(userCacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/x/gameday");
    expect(userCacheDir({ HOME: "/h" })).toBe("/h/.cache/gameday");
    expect(userBinDir({ GAMEDAY_CACHE: "/c" })).toBe("/c/bin");
  });
});

describe("the cache layout scripts/setup.sh has always used", () => {
  it("keys the load engine by the same hash as `(go version; cat go.mod go.sum *.go) | sha256sum`", () => {
    const goVersion = "go version go1.99.0 linux/amd64\n";
    const shell = execFileSync(
      "bash",
      [
        "-c",
        'cd load-engine && (printf "%s\\n" "$1"; cat go.mod go.sum *.go) | sha256sum | cut -c1-16',
        "-",
        goVersion.trim(),
      ],
      { cwd: root, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } },
    ).trim();
    expect(loadEngineHash(goVersion)).toBe(shell);
    expect(loadEngineCachePath("/c", shell)).toBe(`/c/gameday-load-${shell}/gameday-load`);
    expect(goInstallCachePath("/c", "toxiproxy-server", "v2.12.0")).toBe(
      "/c/toxiproxy-server-v2.12.0/toxiproxy-server",
    );
  });

  it("links atomically, leaves a tool found through its own link alone", () => {
    const base = dirs.make("gameday-tools-link-");
    const a = executable(join(base, "a"), "tool");
    const b = executable(join(base, "b"), "tool");
    const bin = join(base, "bin");
    expect(linkTool(bin, "tool", a)).toEqual({ path: join(bin, "tool"), outcome: "linked" });
    expect(linkTool(bin, "tool", a).outcome).toBe("unchanged");
    expect(linkTool(bin, "tool", b).outcome).toBe("linked");
    expect(readlinkSync(join(bin, "tool"))).toBe(b);
    // Found as <bin>/tool itself (Go missing): relinking would make the link point at itself.
    expect(linkTool(bin, "tool", join(bin, "tool")).outcome).toBe("unchanged");
    symlinkSync(join(bin, "tool"), join(base, "via"));
    expect(linkTool(bin, "tool", join(base, "via")).outcome).toBe("unchanged");
  });

  it("an override is used as it is; one that names no executable is what is missing", async () => {
    const base = dirs.make("gameday-tools-override-");
    const bin = executable(base, "my-load");
    const say = () => {};
    const used = await obtainGoTool(tool("gameday-load"), {
      cache: base,
      say,
      env: { GAMEDAY_LOAD_BIN: bin },
    });
    expect(used).toEqual({ kind: "override", path: bin, envVar: "GAMEDAY_LOAD_BIN" });
    const broken = await obtainGoTool(tool("toxiproxy-server"), {
      cache: base,
      say,
      env: { TOXIPROXY_SERVER_BIN: join(base, "absent") },
    });
    expect(broken).toMatchObject({
      kind: "missing",
      reason: `TOXIPROXY_SERVER_BIN=${join(base, "absent")} is not an executable file`,
    });
    // A pinned build already in the cache needs no Go.
    const cached = executable(join(base, "toxiproxy-cli-v2.12.0"), "toxiproxy-cli");
    expect(await obtainGoTool(tool("toxiproxy-cli"), { cache: base, say, env: {} })).toEqual({
      kind: "cached",
      path: cached,
    });
  });
});

describe("naming what is missing", () => {
  it("one command per remedy; apt-get packages in one line", () => {
    expect(
      describeMissing([
        { tool: "redis-server", remedy: "sudo apt-get install -y redis-server" },
        { tool: "gameday-load", remedy: "gameday setup" },
        { tool: "alertmanager", remedy: "sudo apt-get install -y prometheus-alertmanager" },
        { tool: "toxiproxy-server", remedy: "gameday setup" },
      ]),
    ).toBe(
      "redis-server, alertmanager (sudo apt-get install -y redis-server prometheus-alertmanager); gameday-load, toxiproxy-server (gameday setup)",
    );
  });
});
