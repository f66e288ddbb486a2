// The licence guard on the real dependency tree: every npm package in package-lock.json and every Go
// module compiled into the Go-built tools in .tools/bin (make setup builds them) carries an allowed
// licence, and no build file names a denied module. Needs Go: `go version -m` lists the modules.
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { describeFinding, offenders, tally } from "../../src/licences/finding.ts";
import { GO_TOOLS, type GoEnv, goEnv, goFindings, moduleDir, parseBuildInfo } from "../../src/licences/go.ts";
import { REPO_ROOT } from "../../src/licences/index.ts";
import { npmFindings } from "../../src/licences/npm.ts";
import { deniedReferences } from "../../src/licences/references.ts";
import { classifyLicenceText } from "../../src/licences/text.ts";

/** module path → version, over the modules of every Go-built tool. */
function builtModules(): Map<string, string> {
  const versions = new Map<string, string>();
  for (const tool of GO_TOOLS) {
    const r = spawnSync("go", ["version", "-m", realpathSync(join(REPO_ROOT, ".tools/bin", tool))], {
      encoding: "utf8",
    });
    const info = parseBuildInfo(r.stdout);
    for (const m of [info.main, ...info.deps]) if (m) versions.set(m.path, m.version);
  }
  return versions;
}

describe("licences of the dependencies", () => {
  it("every npm package in package-lock.json, dev and prod, is allowed", () => {
    const findings = npmFindings(REPO_ROOT);
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { link?: boolean }>;
    };
    const entries = Object.entries(lock.packages).filter(([key, p]) => key !== "" && !p.link);
    expect(findings).toHaveLength(entries.length);
    console.log(
      `npm: ${findings.length} packages: ${tally(findings)
        .map(([l, n]) => `${n} ${l}`)
        .join(", ")}`,
    );
    expect(offenders(findings).map(describeFinding)).toEqual([]);
  });

  it("every Go module compiled into gameday-load, toxiproxy-server, toxiproxy-cli and actionlint is allowed", () => {
    const findings = goFindings(REPO_ROOT);
    const names = findings.map((f) => f.name);
    // The main modules and the standard library are checked, not only the dependencies.
    expect(names).toEqual(
      expect.arrayContaining([
        "std",
        "gameday/load-engine",
        "github.com/Shopify/toxiproxy/v2",
        "github.com/tsenart/vegeta/v12",
        "github.com/rhysd/actionlint",
      ]),
    );
    expect(names.filter((n) => n.includes("go.k6.io"))).toEqual([]);
    console.log(
      `go: ${findings.length} modules: ${tally(findings)
        .map(([l, n]) => `${n} ${l}`)
        .join(", ")}`,
    );
    expect(offenders(findings).map(describeFinding)).toEqual([]);
  });

  it("Makefile, package.json, scripts/ and .ci/ never name go.k6.io", () => {
    expect(deniedReferences(REPO_ROOT)).toEqual([]);
  });

  it("fails a Go-built tool that is not there", () => {
    const [finding] = goFindings(REPO_ROOT, ["gameday-no-such-tool"]);
    expect(finding).toMatchObject({
      name: "gameday-no-such-tool",
      verdict: "fail",
      reason: "not built: run make setup",
    });
  });
});

describe("licence texts of real modules", () => {
  let versions = new Map<string, string>();
  let env: GoEnv;
  beforeAll(() => {
    env = goEnv(); // without Go: GoMissingError, saying so
    versions = builtModules();
  });
  const text = (module: string, file: string) => {
    const version = versions.get(module);
    expect(version, `${module} is compiled into a Go-built tool`).toBeDefined();
    const { dir, error } = moduleDir({ path: module, version: version! }, env);
    expect(error).toBeUndefined();
    return readFileSync(join(dir!, file), "utf8");
  };

  it("names MIT, Apache-2.0, BSD-3-Clause and BSD-2-Clause", () => {
    expect(classifyLicenceText(text("github.com/tsenart/vegeta/v12", "LICENSE"))).toEqual(["MIT"]);
    expect(classifyLicenceText(text("github.com/Shopify/toxiproxy/v2", "LICENSE"))).toEqual(["MIT"]);
    expect(classifyLicenceText(text("github.com/beorn7/perks", "LICENSE"))).toEqual(["MIT"]);
    expect(classifyLicenceText(text("github.com/influxdata/tdigest", "LICENSE"))).toEqual(["Apache-2.0"]);
    expect(classifyLicenceText(text("golang.org/x/net", "LICENSE"))).toEqual(["BSD-3-Clause"]);
    expect(classifyLicenceText(text("github.com/russross/blackfriday/v2", "LICENSE.txt"))).toEqual([
      "BSD-2-Clause",
    ]);
    expect(classifyLicenceText(readFileSync(join(env.goRoot, "LICENSE"), "utf8"))).toEqual(["BSD-3-Clause"]);
  });

  it("names every licence of a file that covers bundled code", () => {
    expect(classifyLicenceText(text("github.com/klauspost/compress", "LICENSE")).sort()).toEqual(
      ["Apache-2.0", "BSD-3-Clause", "MIT"].sort(),
    );
  });

  it("reads the full MPL-2.0, which names the GNU licences, as MPL-2.0 only", () => {
    expect(
      classifyLicenceText(readFileSync(join(REPO_ROOT, "node_modules/lightningcss/LICENSE"), "utf8")),
    ).toEqual(["MPL-2.0"]);
  });
});
