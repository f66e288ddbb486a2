// `gameday init` in a team's repository: what it writes, that it never overwrites, that what it
// writes validates, type-checks against the library's types and runs (PASS) against a healthy service.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGameday, spawnGameday } from "../gameday-child.ts";
import { tempDirs } from "../temp-dirs.ts";

const root = resolve(import.meta.dirname, "../..");
const dirs = tempDirs();
afterAll(() => dirs.removeAll());

const URL_ = "http://127.0.0.1:8080";
const NEXT = ["npx gameday setup", "npx gameday validate", "npx gameday run scenarios --profile ci"];

/** A folder under the OS temp folder (no package.json above it) with an optional package.json. */
function repo(pkg?: Record<string, unknown>): string {
  const dir = dirs.make("gameday-init-");
  if (pkg) writeFileSync(join(dir, "package.json"), JSON.stringify(pkg));
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p.slice(dir.length + 1)] = readFileSync(p, "latin1");
    }
  };
  walk(dir);
  return out;
}

/** tsc --noEmit over `files` with the repository's compiler options and "gameday" mapped to src/. */
function tsc(dir: string, files: string[]): { code: number | null; output: string } {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(root, "tsconfig.json"),
      compilerOptions: {
        paths: { gameday: [join(root, "src/index.ts")] },
        typeRoots: [join(root, "node_modules/@types")],
      },
      include: files,
    }),
  );
  const r = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", dir], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("gameday init", () => {
  it("writes config, example scenario and .gitignore in an empty folder; validate passes", () => {
    const dir = repo();
    const r = runGameday(["init", "--url", URL_], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // No package.json anywhere above: .mts, which Node loads as ESM whatever one is added later.
    for (const f of ["gameday.config.mts", "scenarios/example.mts", ".gitignore"])
      expect(existsSync(join(dir, f)), f).toBe(true);
    expect(r.stdout).toContain("wrote gameday.config.mts");
    expect(r.stdout).toContain("wrote scenarios/example.mts");
    expect(r.stdout).toMatch(/^\.mts files: there is no package\.json here or above/m);
    for (const cmd of NEXT) expect(r.stdout).toContain(`  ${cmd}`);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toMatch(/^reports\/$/m);
    const config = readFileSync(join(dir, "gameday.config.mts"), "utf8");
    expect(config).toContain('provider: "external"');
    expect(config).toContain(`{ name: "app", url: "${URL_}", health: "/healthz" }`);
    expect(config).toContain('allowHosts: ["app.staging.example"],'); // only in a comment
    expect(config).toMatch(/^ {2}\/\/ allowHosts:/m);

    const v = runGameday(["validate"], { cwd: dir });
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    expect(v.stdout).toContain("ok  scenarios/example.mts (example)");
  });

  it("lists a URL off loopback in allowHosts, so validate passes", () => {
    const dir = repo({ name: "svc", type: "module" });
    const r = runGameday(["init", "https://api.example.com/v1/"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("allowHosts lists api.example.com");
    const config = readFileSync(join(dir, "gameday.config.ts"), "utf8");
    expect(config).toContain('allowHosts: ["api.example.com"],');
    expect(config).toContain('url: "https://api.example.com/v1"');
    expect(runGameday(["validate"], { cwd: dir }).code).toBe(0);
  });

  it.each([
    [[], /the service's URL is required/],
    [["--url", "not a url"], /--url must be an absolute http:\/\/ or https:\/\/ URL, got "not a url"/],
    [["--url", "ftp://127.0.0.1/"], /--url must be an http:\/\/ or https:\/\/ URL/],
    [["--url", "http://u:p@127.0.0.1/"], /must not carry credentials/],
    [["--url", "http://127.0.0.1:8080/?x=1"], /without a query or fragment/],
    [["http://127.0.0.1:1", "--url", "http://127.0.0.1:2"], /two URLs given/],
  ])("init %j: exit 2, nothing written", (args, message) => {
    const dir = repo();
    const r = runGameday(["init", ...args], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes .ts in a package with "type": "module"; validate passes', () => {
    const dir = repo({ name: "svc", type: "module" });
    const r = runGameday(["init", "--url", URL_], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(".mts");
    expect(readdirSync(join(dir, "scenarios"))).toEqual(["example.ts"]);
    expect(existsSync(join(dir, "gameday.config.ts"))).toBe(true);
    const v = runGameday(["validate"], { cwd: dir });
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
  });

  it.each([
    [
      "commonjs",
      { name: "svc", type: "commonjs" },
      /has "type": "commonjs", so Node would load \.ts files as CommonJS/,
    ],
    ["no type", { name: "svc" }, /has no "type", so Node would try \.ts files as CommonJS first/],
  ])("writes .mts in a package with %s, says why; validate and list find them", (_, pkg, why) => {
    const dir = repo(pkg);
    const r = runGameday(["init", "--url", URL_], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(why);
    expect(existsSync(join(dir, "gameday.config.mts"))).toBe(true);
    expect(readdirSync(join(dir, "scenarios"))).toEqual(["example.mts"]);
    const v = runGameday(["validate"], { cwd: dir });
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    // run finds gameday.config.mts by itself (a dry run touches nothing).
    const d = runGameday(["run", "--dry-run", "--profile", "ci"], { cwd: dir });
    expect(d.code).toBe(0);
    expect(d.output).not.toContain("no config");
  });

  it("--dir writes into another folder and says where to go next", () => {
    const parent = repo({ name: "mono", type: "module" });
    const r = runGameday(["init", "--url", URL_, "--dir", "services/api"], { cwd: parent });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("wrote services/api/gameday.config.ts");
    expect(r.stdout).toContain("next, in services/api:");
    expect(runGameday(["validate"], { cwd: join(parent, "services/api") }).code).toBe(0);
  });

  describe("refuses to overwrite", () => {
    it.each([
      ["gameday.config.ts", "export default 1;\n"],
      ["scenarios/example.ts", "// ours\n"],
    ])(
      "an existing %s: exit 2 naming it, nothing written or changed; --force overwrites",
      (file, content) => {
        const dir = repo({ name: "svc", type: "module" });
        mkdirSync(join(dir, "scenarios"));
        writeFileSync(join(dir, file), content);
        writeFileSync(join(dir, ".gitignore"), "node_modules\n*.log");
        const before = snapshot(dir);

        const r = runGameday(["init", "--url", URL_], { cwd: dir });
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`${file} exists`);
        expect(r.stderr).toContain("--force");
        expect(r.stdout).toBe("");
        expect(snapshot(dir)).toEqual(before);

        const f = runGameday(["init", "--url", URL_, "--force"], { cwd: dir });
        expect(f.code).toBe(0);
        expect(f.stdout).toContain(`overwrote ${file}`);
        expect(readFileSync(join(dir, file), "utf8")).not.toBe(content);
        // Appended once, the existing lines kept (the last one had no newline).
        expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe(
          "node_modules\n*.log\n# gameday run folders and run history\nreports/\n",
        );
        const again = runGameday(["init", "--url", URL_, "--force"], { cwd: dir });
        expect(again.code).toBe(0);
        expect(again.stdout).toContain(".gitignore already ignores reports/");
        expect(readFileSync(join(dir, ".gitignore"), "utf8").match(/^reports\/$/gm)).toHaveLength(1);
      },
    );

    it("names every existing file at once", () => {
      const dir = repo({ name: "svc", type: "module" });
      runGameday(["init", "--url", URL_], { cwd: dir });
      const before = snapshot(dir);
      const r = runGameday(["init", "--url", "http://127.0.0.1:9"], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("gameday.config.ts exists");
      expect(r.stderr).toContain(join("scenarios", "example.ts") + " exists");
      expect(snapshot(dir)).toEqual(before);
    });

    it("a config under another extension stops it even with --force (one of the two would be ignored)", () => {
      const dir = repo({ name: "svc", type: "commonjs" });
      writeFileSync(join(dir, "gameday.config.ts"), "export default 1;\n");
      const before = snapshot(dir);
      const r = runGameday(["init", "--url", URL_, "--force"], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("gameday.config.ts exists; init would write gameday.config.mts next to it");
      expect(snapshot(dir)).toEqual(before);
    });
  });

  it.each([
    ["ts", { name: "svc", type: "module" }, "gameday.config.ts", "scenarios/example.ts"],
    ["mts", { name: "svc", type: "commonjs" }, "gameday.config.mts", "scenarios/example.mts"],
  ])(
    "the generated .%s files type-check against the library's types; a wrong field fails",
    (_, pkg, config, scenario) => {
      const dir = repo(pkg);
      expect(runGameday(["init", "--url", URL_], { cwd: dir }).code).toBe(0);
      const ok = tsc(dir, [config, scenario]);
      expect(ok.output).toBe("");
      expect(ok.code).toBe(0);

      const text = readFileSync(join(dir, scenario), "utf8");
      expect(text).toContain("rate: 5,");
      const bad = scenario.replace("example", "wrong");
      writeFileSync(join(dir, bad), text.replace("rate: 5,", 'rate: "x",'));
      const badConfig = config.replace("gameday", "wrong");
      writeFileSync(
        join(dir, badConfig),
        readFileSync(join(dir, config), "utf8").replace('provider: "external"', 'provider: "externall"'),
      );
      const failed = tsc(dir, [config, scenario, bad, badConfig]);
      expect(failed.code).not.toBe(0);
      expect(failed.output).toMatch(new RegExp(`${bad.replace(".", "\\.")}\\(\\d+,\\d+\\): error TS\\d+`));
      expect(failed.output).toMatch(
        new RegExp(`${badConfig.replace(".", "\\.")}\\(\\d+,\\d+\\): error TS\\d+`),
      );
      expect(failed.output).not.toContain("example.");
    },
  );

  describe("the example runs against a healthy service", () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((_req, res) => res.end("ok"));
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    it("gameday run scenarios --profile ci: PASS, a run folder with its reports, in under 20 s", async () => {
      const dir = repo({ name: "svc", type: "module" });
      expect(runGameday(["init", "--url", url], { cwd: dir }).code).toBe(0);
      // The line a user uncomments to move the receiver: other test files run one on 127.0.0.1:9095.
      const configFile = join(dir, "gameday.config.ts");
      const config = readFileSync(configFile, "utf8");
      expect(config).toContain('  // receiver: { listen: "127.0.0.1:9095" },');
      writeFileSync(
        configFile,
        config.replace(
          '  // receiver: { listen: "127.0.0.1:9095" },',
          '  receiver: { listen: "127.0.0.1:0" },',
        ),
      );
      const started = Date.now();
      // Spawned, not run synchronously: the service answers from this process's event loop.
      const child = spawnGameday(["run", "scenarios", "--profile", "ci"], { cwd: dir });
      const r = await child.ended;
      const took = Date.now() - started;
      expect(r.code, r.output).toBe(0);
      expect(r.stdout).toMatch(/^run \S+: PASS — reports in /m);
      expect(r.stdout).toMatch(/^example +check:p95 .* PASS\s*$/m);
      expect(took).toBeLessThan(20_000);
      const runs = readdirSync(join(dir, "reports")).filter((f) => f !== "history.sqlite");
      expect(runs).toHaveLength(1);
      const runDir = join(dir, "reports", runs[0]!);
      for (const f of ["result.json", "gameday_report.md", "report.html", "junit.xml", "journal.jsonl"])
        expect(existsSync(join(runDir, f)), f).toBe(true);
      const result = JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")) as {
        verdict: string;
        scenarios: Array<{ id: string; verdict: string }>;
      };
      expect(result.verdict).toBe("PASS");
      expect(result.scenarios.map((s) => [s.id, s.verdict])).toEqual([["example", "PASS"]]);
    });
  });
});
