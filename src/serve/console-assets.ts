// The console's static files (src/serve/console/, no build step) and uPlot's browser bundle, by URL
// path. Each file is read on first request and kept in memory; any other path answers null.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export interface ConsoleAsset {
  body: Buffer;
  type: string;
}

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** URL path → file: `console` names a file of src/serve/console/, `module` an npm module path. */
type Source = { console: string } | { module: string };

const ASSETS: ReadonlyMap<string, { source: Source; type: string }> = new Map([
  ["/", { source: { console: "index.html" }, type: HTML }],
  ["/index.html", { source: { console: "index.html" }, type: HTML }],
  ["/assets/console.js", { source: { console: "console.js" }, type: JS }],
  ["/assets/console.css", { source: { console: "console.css" }, type: CSS }],
  ["/assets/uPlot.iife.min.js", { source: { module: "uplot/dist/uPlot.iife.min.js" }, type: JS }],
  ["/assets/uPlot.min.css", { source: { module: "uplot/dist/uPlot.min.css" }, type: CSS }],
]);

/** File contents by absolute path: each file is read once ("/" and "/index.html" share one). */
const cache = new Map<string, Buffer>();

function resolveSource(source: Source): string {
  if ("module" in source) return createRequire(import.meta.url).resolve(source.module);
  return fileURLToPath(new URL(`./console/${source.console}`, import.meta.url));
}

/** The body and content type for a console URL path ("/", "/assets/console.js", …), or null. */
export function consoleAsset(urlPath: string): ConsoleAsset | null {
  const entry = ASSETS.get(urlPath.split(/[?#]/, 1)[0] ?? urlPath);
  if (!entry) return null;
  const file = resolveSource(entry.source);
  let body = cache.get(file);
  if (!body) {
    body = readFileSync(file);
    cache.set(file, body);
  }
  return { body, type: entry.type };
}
