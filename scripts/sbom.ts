// make sbom: reads `npm sbom --sbom-format cyclonedx --package-lock-only` (every package, dev too) on
// stdin and writes sbom.cdx.json with the production packages only — the ones package-lock.json does
// not mark "dev", which the PRR's sbom-current check compares against. Not `--omit dev`: npm drops
// every package a dev dependency also reaches, production ones included (npm/cli#7909).
//
// npm stamps each SBOM with a fresh serialNumber and timestamp, so the file is rewritten only when
// something else changed: re-running `make sbom` on an unchanged lockfile leaves no diff to commit.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type CdxBom, type CdxComponent, type Lockfile, productionSbom, sbomPackages } from "../src/prr/sbom.ts";

const OUT = "sbom.cdx.json";
const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as Lockfile;
const bom = productionSbom(JSON.parse(readFileSync(0, "utf8")) as CdxBom, lock);

// npm names the root component after the checkout's folder; the package's own name does not depend
// on where it was cloned.
const meta = bom.metadata as { component?: CdxComponent } | undefined;
if (meta?.component && lock.name) meta.component.name = lock.name;

/** Everything but the per-run stamps. */
const content = (b: CdxBom) => {
  const { serialNumber: _s, metadata, ...rest } = b;
  const { timestamp: _t, ...m } = (metadata ?? {}) as Record<string, unknown>;
  return JSON.stringify({ ...rest, metadata: m });
};
const previous = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, "utf8")) as CdxBom) : null;
const count = sbomPackages(bom).length;
if (previous && content(previous) === content(bom)) console.log(`${OUT} is current (${count} packages)`);
else {
  writeFileSync(OUT, `${JSON.stringify(bom, null, 2)}\n`);
  console.log(`wrote ${OUT} (${count} production packages)`);
}
