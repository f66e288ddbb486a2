// make bench: runs every bench/*.bench.ts, prints a table, writes bench/results/latest.json.
// Numbers are ratios within one run wherever a comparison is made; see bench/README.md.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchModule, BenchRecord } from "./types.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2);
const scale = Number(process.env.BENCH_SCALE ?? "1");
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const all: Array<BenchRecord & { bench: string }> = [];
let failures = 0;
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, "");
  const workDir = mkdtempSync(join(tmpdir(), `gameday-bench-${name}-`));
  console.log(`== ${name}`);
  const started = Date.now();
  try {
    const mod = (await import(join(here, file))) as { default: BenchModule };
    const records = await mod.default({ workDir, scale, log: (l) => console.log(`   ${l}`) });
    for (const r of records) {
      all.push({ bench: name, ...r });
      const mark = r.ok === undefined ? " " : r.ok ? "✔" : "✘";
      console.log(
        ` ${mark} ${r.name.padEnd(44)} ${fmt(r.value).padStart(12)} ${r.unit.padEnd(8)} ${r.target ?? ""}${r.note ? `  (${r.note})` : ""}`,
      );
      if (r.ok === false) failures += 1;
    }
  } catch (err) {
    failures += 1;
    console.log(` ✘ ${name} failed: ${(err as Error).stack ?? String(err)}`);
    all.push({
      bench: name,
      name: `${name}.error`,
      value: Number.NaN,
      unit: "",
      ok: false,
      note: (err as Error).message,
    });
  } finally {
    // Recordings and logs are scratch; BENCH_KEEP=1 keeps them to look at a failed bench.
    if (process.env.BENCH_KEEP) console.log(`   work folder kept: ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
  console.log(`   (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  return v.toPrecision(4);
}

const outDir = join(here, "results");
mkdirSync(outDir, { recursive: true });
const report = {
  date: new Date().toISOString(),
  host: hostname(),
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  node: process.version,
  scale,
  records: all,
};
writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `\nwrote bench/results/latest.json (${all.length} records, ${failures} missed targets or failures)`,
);
process.exitCode = failures ? 1 : 0;
