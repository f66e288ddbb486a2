// The installed package's command against the checkout's: wall time of a whole `gameday` process,
// Node's start-up included, for `--version` (every module of the CLI loads) and `validate scenarios`
// (the bundled scenario files load too). Four forms, run round-robin with the order rotated each
// round; the median of each is compared within the run:
//   installed       dist/cli/bin.js, the package's "bin": compiled JavaScript, Node's compile cache on
//   compiled        node dist/cli/main.js with the compile cache off
//   checkout        bin/gameday: the TypeScript sources, types stripped, compile cache on
//   source          node src/cli/main.ts with the compile cache off
// Each form's cache is its own folder under the work folder, filled by one warm-up run. Also the
// tarball's size from `npm pack --dry-run` (the test holds it to a budget as well).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BenchContext, BenchRecord } from "./types.ts";

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

interface Form {
  name: string;
  command: string;
  args: string[];
  /** Compile cache folder (under the work folder), or undefined for the cache off. */
  cache?: string;
}

function forms(workDir: string): Form[] {
  const node = process.execPath;
  return [
    {
      name: "installed",
      command: join(root, "dist/cli/bin.js"),
      args: [],
      cache: join(workDir, "cache-installed"),
    },
    { name: "compiled", command: node, args: [join(root, "dist/cli/main.js")] },
    {
      name: "checkout",
      command: join(root, "bin/gameday"),
      args: [],
      cache: join(workDir, "cache-checkout"),
    },
    {
      name: "source",
      command: node,
      args: ["--disable-warning=ExperimentalWarning", join(root, "src/cli/main.ts")],
    },
  ];
}

async function wallMs(form: Form, args: string[]): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  if (form.cache) env.NODE_COMPILE_CACHE = form.cache;
  else env.NODE_DISABLE_COMPILE_CACHE = "1";
  const started = performance.now();
  await execFileAsync(form.command, [...form.args, ...args], { cwd: root, env });
  return performance.now() - started;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export default async function packageBench(ctx: BenchContext): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const all = forms(ctx.workDir);
  const rounds = Math.max(3, Math.round(11 * ctx.scale));
  for (const [label, args] of [
    ["version", ["--version"]],
    ["validate", ["validate", "scenarios"]],
  ] as const) {
    for (const form of all) await wallMs(form, [...args]); // warm-up: fills each compile cache
    const times = new Map<string, number[]>(all.map((f) => [f.name, []]));
    for (let round = 0; round < rounds; round++) {
      const order = all.map((_, i) => all[(i + round) % all.length]!);
      for (const form of order) times.get(form.name)!.push(await wallMs(form, [...args]));
    }
    const med = new Map([...times].map(([name, xs]) => [name, median(xs)]));
    ctx.log(
      `${label}: ${[...med].map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`).join(", ")} (median of ${rounds})`,
    );
    for (const [name, ms] of med)
      records.push({ name: `package.${label}.${name}_ms`, value: ms, unit: "ms" });
    const ratio = med.get("installed")! / med.get("checkout")!;
    records.push({
      name: `package.${label}.installed_vs_checkout`,
      value: ratio,
      unit: "ratio",
      target: "<= 1.0",
      ok: ratio <= 1.0,
      note: "the installed command starts no slower than the checkout's",
    });
    records.push({
      name: `package.${label}.cache_gain`,
      value: med.get("installed")! / med.get("compiled")!,
      unit: "ratio",
      note: "installed ÷ the same JavaScript with the compile cache off",
    });
  }

  const { stdout } = await execFileAsync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [pack] = JSON.parse(stdout) as Array<{ size: number; unpackedSize: number; entryCount: number }>;
  records.push(
    {
      name: "package.tarball_bytes",
      value: pack!.size,
      unit: "B",
      target: "<= 1,000,000",
      ok: pack!.size <= 1_000_000,
    },
    {
      name: "package.unpacked_bytes",
      value: pack!.unpackedSize,
      unit: "B",
      note: `${pack!.entryCount} files`,
    },
  );
  return records;
}
