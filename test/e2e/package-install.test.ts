// gameday as a team installs it: `npm pack` of this repository (the prepack build included), the
// tarball installed with npm into a fresh project outside it, and the installed CLI run there with
// npx — init, validate, setup, doctor and a short run against a local HTTP service — then the
// generated files type-checked against the installed package's declarations. Nothing here runs
// from src/: the installed package has no TypeScript sources, and Node would not strip types
// inside node_modules anyway (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING).
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { delimiter, dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDirs } from "../temp-dirs.ts";

const root = resolve(import.meta.dirname, "../..");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const dirs = tempDirs();

/** Budgets for the tarball: today about 0.63 MB packed, 1.7 MB unpacked, 470 files. */
const MAX_PACKED_BYTES = 1_000_000;
const MAX_UNPACKED_BYTES = 3_000_000;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/**
 * The machine as a package user has it: this repository's .tools/bin and node_modules/.bin are
 * not on PATH (the installed package must find or build its own tools), only the Node running
 * the tests (>= 22.18, which the package needs) is put first.
 */
function userPath(): string {
  const ours = [join(root, ".tools/bin"), join(root, "node_modules/.bin")];
  const rest = (process.env.PATH ?? "").split(delimiter).filter((d) => d && !ours.includes(resolve(d)));
  return [dirname(process.execPath), ...rest].join(delimiter);
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000) {
  return new Promise<Ran>((done) => {
    execFile(
      command,
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, PATH: userPath(), npm_config_update_notifier: "false", ...env },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
        done({ code, stdout, stderr, output: `${stdout}${stderr}` });
      },
    );
  });
}

let tarball = "";
let project = "";
let cache = "";
let server: Server;
let url = "";

/**
 * `npx gameday …` in the project, with the per-user tool cache in a scratch folder. `--no` keeps npx
 * from fetching anything; after `--` npx passes even --help and --version on to gameday.
 */
function gameday(args: string[], timeoutMs?: number): Promise<Ran> {
  return run("npx", ["--no", "--", "gameday", ...args], project, { GAMEDAY_CACHE: cache }, timeoutMs);
}

beforeAll(async () => {
  // The pack runs the package's prepack (a clean build of dist/) and prepare scripts.
  const packs = dirs.make("gameday-pack-");
  const packed = await run("npm", ["pack", "--json", "--pack-destination", packs], root, {}, 300_000);
  expect(packed.code, packed.output).toBe(0);
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  tarball = join(packs, info!.filename);

  project = dirs.make("gameday-user-project-");
  cache = dirs.make("gameday-user-cache-");
  // npm 11's `npm init -y` says "type": "commonjs", the case where init must write .mts files.
  const init = await run("npm", ["init", "-y"], project);
  expect(init.code, init.output).toBe(0);
  const installed = await run(
    "npm",
    ["install", "-D", "--prefer-offline", "--no-audit", "--no-fund", tarball],
    project,
    {},
    300_000,
  );
  expect(installed.code, installed.output).toBe(0);

  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok\n");
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 600_000);

afterAll(async () => {
  await new Promise<void>((closed) => (server ? server.close(() => closed()) : closed()));
  dirs.removeAll();
});

describe("the npm package", () => {
  it("npm pack --dry-run lists only the package's files, within its size budget", async () => {
    // dist/ was just built by the pack above; --ignore-scripts lists it without building it again.
    const dry = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], root);
    expect(dry.code, dry.output).toBe(0);
    const [listing] = JSON.parse(dry.stdout) as Array<{
      size: number;
      unpackedSize: number;
      files: Array<{ path: string }>;
    }>;
    const paths = listing!.files.map((f) => f.path);
    console.log(
      `npm pack: ${paths.length} files, ${listing!.size} bytes packed, ${listing!.unpackedSize} unpacked`,
    );
    const allowed =
      /^(dist\/|docs\/|fixtures\/monitoring\/|load-engine\/|scripts\/versions\.env$|package\.json$|README\.md$|LICEN[CS]E)/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
    // Sources run nowhere in the package: only declarations may end in .ts.
    expect(paths.filter((p) => p.endsWith(".ts") && !p.endsWith(".d.ts"))).toEqual([]);
    expect(paths.filter((p) => /tsbuildinfo|\.built$/.test(p))).toEqual([]);
    for (const needed of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/cli/main.js",
      "dist/cli/bin.js",
      "dist/scenario/define.d.ts",
      "dist/fixtures/ops-copilot/copilot.js",
      "dist/report/templates/report.html.hbs",
      "dist/serve/console/index.html",
      "fixtures/monitoring/rules/ops-copilot.yml",
      "load-engine/go.mod",
      "load-engine/go.sum",
      "load-engine/main.go",
      "scripts/versions.env",
      "docs/install.md",
    ])
      expect(paths, needed).toContain(needed);
    expect(listing!.size).toBeLessThanOrEqual(MAX_PACKED_BYTES);
    expect(listing!.unpackedSize).toBeLessThanOrEqual(MAX_UNPACKED_BYTES);

    const manifest = JSON.parse(readFileSync(join(project, "node_modules/gameday/package.json"), "utf8")) as {
      engines: { node: string };
      bin: Record<string, string>;
    };
    expect(manifest.engines.node).toBe(">=22.18");
    expect(manifest.bin.gameday).toBe("dist/cli/bin.js");
  });

  it("installed from the tarball: init, validate, setup, doctor, a run, and the generated files type-check", async () => {
    const help = await gameday(["--help"]);
    expect(help.code, help.output).toBe(0);
    for (const command of ["init", "setup", "doctor", "run", "validate"])
      expect(help.stdout).toContain(command);

    const init = await gameday(["init", "--url", url]);
    expect(init.code, init.output).toBe(0);
    for (const file of ["gameday.config.mts", "scenarios/example.mts", ".gitignore"])
      expect(existsSync(join(project, file)), file).toBe(true);
    expect(readFileSync(join(project, ".gitignore"), "utf8")).toMatch(/^reports\/$/m);
    for (const next of [
      "npx gameday setup",
      "npx gameday validate",
      "npx gameday run scenarios --profile ci",
    ])
      expect(init.stdout).toContain(next);

    // The example's receiver would listen on 127.0.0.1:9095, where another test file's run may be
    // listening right now; this run has no Alertmanager, so any free port will do.
    const config = join(project, "gameday.config.mts");
    const text = readFileSync(config, "utf8");
    expect(text).toContain('// receiver: { listen: "127.0.0.1:9095" },');
    writeFileSync(
      config,
      text.replace('// receiver: { listen: "127.0.0.1:9095" },', 'receiver: { listen: "127.0.0.1:0" },'),
    );

    const validate = await gameday(["validate"]);
    expect(validate.code, validate.output).toBe(0);
    expect(validate.stdout).toContain("example.mts");

    // The load engine is built with Go from the package's load-engine/ into the scratch cache.
    const setup = await gameday(["setup"], 600_000);
    expect(setup.code, setup.output).toBe(0);
    expect(existsSync(join(cache, "bin", "gameday-load")), setup.output).toBe(true);

    const doctor = await gameday(["doctor"]);
    expect(doctor.code, doctor.output).toBe(0);
    expect(doctor.stdout).toContain(join(cache, "bin", "gameday-load"));

    const ran = await gameday(["run", "scenarios", "--profile", "ci"], 180_000);
    expect(ran.code, ran.output).toBe(0);
    expect(ran.stdout).toMatch(/PASS/);
    const reports = join(project, "reports");
    const runId = /run (\S+): PASS/.exec(ran.stdout)?.[1];
    expect(runId, ran.output).toBeDefined();
    const files = readdirSync(join(reports, runId!));
    for (const report of ["gameday_report.md", "report.html", "result.json", "journal.jsonl"])
      expect(files, report).toContain(report);
    const result = JSON.parse(readFileSync(join(reports, runId!, "result.json"), "utf8")) as {
      verdict: string;
    };
    expect(result.verdict).toBe("PASS");

    // The testcontainers packages are optional peers, not installed with gameday; the provider that
    // needs them says how to add them, and nothing starts.
    expect(existsSync(join(project, "node_modules/testcontainers"))).toBe(false);
    writeFileSync(
      join(project, "containers.config.mts"),
      `import { defineConfig } from "gameday";\nexport default defineConfig({ provider: "testcontainers", services: [{ name: "app", url: "${url}" }], receiver: { listen: "127.0.0.1:0" } });\n`,
    );
    const containers = await gameday([
      "run",
      "scenarios",
      "--profile",
      "ci",
      "--config",
      "containers.config.mts",
    ]);
    expect(containers.code, containers.output).toBe(3);
    expect(containers.stderr).toContain("npm install -D testcontainers@12 @testcontainers/toxiproxy@12");

    // The editor's view: the generated files against the installed package's declarations only
    // (no @types/node in this project, and lib checks on).
    const tsconfig = {
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2023",
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      include: ["gameday.config.mts", "scenarios/**/*.mts"],
    };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
    const checked = await run(process.execPath, [tsc, "-p", ".", "--listFiles"], project);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.stdout).toContain(join(project, "node_modules/gameday/dist/index.d.ts"));

    // …and the same check catches a wrong field.
    const example = readFileSync(join(project, "scenarios/example.mts"), "utf8");
    writeFileSync(join(project, "scenarios/broken.mts"), example.replace(/owner: "[^"]*"/, "owner: 42"));
    const broken = await run(process.execPath, [tsc, "-p", "."], project);
    expect(broken.code).not.toBe(0);
    expect(broken.stdout).toMatch(/scenarios\/broken\.mts\(\d+,\d+\): error TS2322/);
  }, 900_000);
});
