// The PRR's sbom-current check: the committed SBOM against package-lock.json's production packages.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluatePrr, type Prr } from "../../src/prr/index.ts";
import {
  type CdxBom,
  describeDrift,
  type Lockfile,
  lockfileProductionPackages,
  productionSbom,
  sbomDrift,
  sbomPackages,
} from "../../src/prr/sbom.ts";
import { tempDirs } from "../temp-dirs.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());

const REPO = new URL("../..", import.meta.url).pathname;
const NOW = new Date("2026-12-03T12:00:00Z");
const SBOM_CHECK = { kind: "sbom-current", sbom: "sbom.cdx.json", lockfile: "package-lock.json" } as const;

function sbomItem(root: string, check: Prr["items"][number]["check"] = SBOM_CHECK) {
  const prr: Prr = {
    service: "s",
    owners: { sre: "IC", security: "AppSec", product: "PM", platform: "EM" },
    items: [{ id: "security-sbom", category: "security", title: "SBOM current", check }],
  };
  return evaluatePrr(prr, { now: NOW, root }).items[0]!;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

/** A copy of this repository's lockfile and SBOM in a scratch folder, the SBOM changed by `edit`. */
function scratch(edit: (bom: CdxBom) => void = () => {}): string {
  const root = temp.make("gameday-sbom-");
  copyFileSync(join(REPO, "package-lock.json"), join(root, "package-lock.json"));
  const bom = readJson<CdxBom>(join(REPO, "sbom.cdx.json"));
  edit(bom);
  writeFileSync(join(root, "sbom.cdx.json"), JSON.stringify(bom, null, 2));
  return root;
}

const componentNamed = (bom: CdxBom, name: string) => {
  const c = bom.components?.find((x) => x.name === name);
  if (!c) throw new Error(`the repository's SBOM has no component ${name}`);
  return c;
};

describe("sbom-current", () => {
  it("is green on this repository: sbom.cdx.json lists every production package of package-lock.json", () => {
    const item = sbomItem(REPO);
    const locked = lockfileProductionPackages(readJson<Lockfile>(join(REPO, "package-lock.json")));
    expect(item.status, item.reason).toBe("green");
    expect(item.reason).toBe(
      `sbom.cdx.json lists all ${locked.length} production packages of package-lock.json at their locked versions`,
    );
    expect(item.evidence).toEqual(["sbom.cdx.json", "package-lock.json"]);
  });

  it("the sample PRR checks the SBOM with it, and that item is green on this repository", async () => {
    const { prrCheck } = await import("../../src/prr/index.ts");
    const report = await prrCheck(join(REPO, "fixtures/prr/ops-copilot.prr.ts"), { now: NOW, root: REPO });
    const sbom = report.items.find((i) => i.id === "security-sbom")!;
    expect(sbom.kind).toBe("sbom-current");
    expect(sbom.status, sbom.reason).toBe("green");
  });

  it("is red on a drifted SBOM, naming the component at another version and the one removed", () => {
    const root = scratch((bom) => {
      componentNamed(bom, "zod").version = "4.0.0";
      delete componentNamed(bom, "zod").purl;
      bom.components = bom.components!.filter((c) => c.name !== "yaml");
    });
    const item = sbomItem(root);
    const zod = lockfileProductionPackages(readJson<Lockfile>(join(root, "package-lock.json"))).find(
      (p) => p.name === "zod",
    )!;
    expect(item.status).toBe("red");
    expect(item.reason).toContain("sbom.cdx.json is stale against package-lock.json");
    expect(item.reason).toContain("1 missing from the SBOM (yaml@2.9.1)");
    expect(item.reason).toContain(`1 at another version (zod: locked ${zod.version}, SBOM lists 4.0.0)`);
    expect(item.reason).toContain("regenerate it (make sbom)");
    expect(item.reason).not.toContain("extra");
  });

  it("counts a drift and names only the first few, and reports packages the lockfile does not have", () => {
    const root = scratch((bom) => {
      const drop = new Set(["yaml", "zod", "pg", "pg-pool", "croner", "uplot", "ioredis", "handlebars"]);
      bom.components = bom.components!.filter((c) => !drop.has(c.name ?? ""));
      bom.components.push({
        type: "library",
        name: "left-pad",
        version: "1.3.0",
        purl: "pkg:npm/left-pad@1.3.0",
      });
    });
    const item = sbomItem(root);
    expect(item.status).toBe("red");
    expect(item.reason).toMatch(
      /8 missing from the SBOM \(([^,()]+@[^,()]+, ){5}[^,()]+@[^,()]+ and 2 more\)/,
    );
    expect(item.reason).toContain("1 extra in the SBOM (left-pad@1.3.0)");
  });

  it("was red on the SBOM committed before make sbom: npm's --omit dev had dropped shared production packages", () => {
    const root = scratch((bom) => {
      bom.components = bom.components!.filter(
        // Production packages a dev dependency also reaches (undici-types was one until the
        // testcontainers packages became optional peers, which made it dev-only).
        (c) => !["yaml", "@opentelemetry/api", "debug"].includes(c.name ?? ""),
      );
    });
    const reason = sbomItem(root).reason;
    for (const id of ["@opentelemetry/api@1.10.0", "debug@4.4.3", "yaml@2.9.1"]) expect(reason).toContain(id);
  });

  it("is red with a reason when the lockfile is missing, or either file is not valid JSON", () => {
    const noLock = temp.make("gameday-sbom-");
    copyFileSync(join(REPO, "sbom.cdx.json"), join(noLock, "sbom.cdx.json"));
    expect(sbomItem(noLock)).toMatchObject({
      status: "red",
      reason: "lockfile package-lock.json is missing, so sbom.cdx.json cannot be shown current",
      evidence: ["sbom.cdx.json"],
    });

    const noSbom = temp.make("gameday-sbom-");
    copyFileSync(join(REPO, "package-lock.json"), join(noSbom, "package-lock.json"));
    expect(sbomItem(noSbom).reason).toBe(
      "SBOM sbom.cdx.json is missing, so sbom.cdx.json cannot be shown current",
    );

    const broken = scratch();
    writeFileSync(join(broken, "sbom.cdx.json"), '{"bomFormat": "CycloneDX", ');
    const bad = sbomItem(broken);
    expect(bad.status).toBe("red");
    expect(bad.reason).toMatch(/^SBOM sbom\.cdx\.json is not valid JSON: /);

    writeFileSync(join(broken, "sbom.cdx.json"), JSON.stringify({ spdxVersion: "SPDX-2.3" }));
    expect(sbomItem(broken).reason).toBe(
      'sbom.cdx.json is not a CycloneDX SBOM (needs "bomFormat": "CycloneDX" and a "components" array)',
    );

    writeFileSync(
      join(broken, "package-lock.json"),
      JSON.stringify({ lockfileVersion: 1, dependencies: {} }),
    );
    expect(sbomItem(broken).reason).toBe(
      'lockfile package-lock.json has no "packages" map (lockfileVersion 1); regenerate it with npm 7 or later',
    );
  });

  it("defaults to sbom.cdx.json and package-lock.json", async () => {
    const { prrSchema } = await import("../../src/prr/index.ts");
    const parsed = prrSchema.parse({
      service: "s",
      owners: { sre: "a", security: "b", product: "c", platform: "d" },
      items: [{ id: "sbom", category: "security", title: "t", check: { kind: "sbom-current" } }],
    });
    expect(parsed.items[0]!.check).toEqual(SBOM_CHECK);
  });
});

describe("lockfile and SBOM reading", () => {
  const lock: Lockfile = {
    name: "app",
    lockfileVersion: 3,
    packages: {
      "": { name: "app", version: "1.0.0" },
      "node_modules/a": { version: "1.0.0" },
      "node_modules/@scope/b": { version: "2.0.0" },
      "node_modules/a/node_modules/@scope/b": { version: "1.5.0" },
      "node_modules/alias": { name: "real-name", version: "3.0.0" },
      "node_modules/devtool": { version: "9.0.0", dev: true },
      "node_modules/devtool/node_modules/a": { version: "0.1.0", dev: true },
      "node_modules/opt": { version: "4.0.0", optional: true },
      "node_modules/linked": { link: true },
      "packages/ws": { version: "0.0.1" },
    },
  };

  it("takes every non-dev node_modules entry: nested copies, scoped names, aliases, optional ones", () => {
    expect(lockfileProductionPackages(lock).map((p) => `${p.name}@${p.version}`)).toEqual([
      "@scope/b@1.5.0",
      "@scope/b@2.0.0",
      "a@1.0.0",
      "opt@4.0.0",
      "real-name@3.0.0",
    ]);
  });

  it("reads components by purl, else by group/name and version, and skips other ecosystems", () => {
    const bom: CdxBom = {
      bomFormat: "CycloneDX",
      components: [
        { name: "ignored", version: "0", purl: "pkg:npm/%40scope/b@2.0.0" },
        { group: "@scope", name: "b", version: "1.5.0" },
        { name: "a", version: "1.0.0", components: [{ name: "real-name", version: "3.0.0" }] },
        { name: "openssl", version: "3.0.0", purl: "pkg:deb/debian/openssl@3.0.0" },
        { name: "opt", version: "4.0.0", purl: "pkg:npm/opt@4.0.0?vcs_url=x" },
      ],
    };
    const listed = sbomPackages(bom);
    expect(listed.map((p) => `${p.name}@${p.version}`)).toEqual([
      "@scope/b@1.5.0",
      "@scope/b@2.0.0",
      "a@1.0.0",
      "opt@4.0.0",
      "real-name@3.0.0",
    ]);
    const drift = sbomDrift(lockfileProductionPackages(lock), listed);
    expect(drift).toEqual({ locked: 5, missing: [], differs: [], extra: [] });
    expect(describeDrift(sbomDrift(lockfileProductionPackages(lock), listed.slice(1)))).toBe(
      "1 missing from the SBOM (@scope/b@1.5.0)",
    );
  });

  it("productionSbom keeps the production components and prunes the dependency graph to them", () => {
    const bom: CdxBom = {
      bomFormat: "CycloneDX",
      metadata: { component: { "bom-ref": "app@1.0.0", name: "app", version: "1.0.0" } },
      components: [
        { "bom-ref": "a@1.0.0", name: "a", version: "1.0.0", purl: "pkg:npm/a@1.0.0" },
        { "bom-ref": "devtool@9.0.0", name: "devtool", version: "9.0.0", purl: "pkg:npm/devtool@9.0.0" },
      ],
      dependencies: [
        { ref: "app@1.0.0", dependsOn: ["a@1.0.0", "devtool@9.0.0"] },
        { ref: "a@1.0.0", dependsOn: [] },
        { ref: "devtool@9.0.0", dependsOn: ["a@1.0.0"] },
      ],
    };
    const out = productionSbom(bom, lock);
    expect(out.components!.map((c) => c["bom-ref"])).toEqual(["a@1.0.0"]);
    expect(out.dependencies).toEqual([
      { ref: "app@1.0.0", dependsOn: ["a@1.0.0"] },
      { ref: "a@1.0.0", dependsOn: [] },
    ]);
    expect(out.metadata).toEqual(bom.metadata);
  });
});
