// The files of a signed folder, as forward-slash paths relative to it, in a stable order.
import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}
