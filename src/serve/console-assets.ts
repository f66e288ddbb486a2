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

const require = createRequire(import.meta.url);
const own =
  (name: string): (() => string) =>
  () =>
    fileURLToPath(new URL(`./console/${name}`, import.meta.url));
const uplot =
  (file: string): (() => string) =>
  () =>
    require.resolve(`uplot/dist/${file}`);

const FILES: ReadonlyMap<string, { file: () => string; type: string }> = new Map([
  ["/", { file: own("index.html"), type: HTML }],
  ["/index.html", { file: own("index.html"), type: HTML }],
  ["/assets/console.js", { file: own("console.js"), type: JS }],
  ["/assets/console.css", { file: own("console.css"), type: CSS }],
  ["/assets/uPlot.iife.min.js", { file: uplot("uPlot.iife.min.js"), type: JS }],
  ["/assets/uPlot.min.css", { file: uplot("uPlot.min.css"), type: CSS }],
]);

const cache = new Map<string, Buffer>();

/** The body and content type for a console URL path ("/", "/assets/console.js", …), or null. */
export function consoleAsset(urlPath: string): ConsoleAsset | null {
  const path = urlPath.split(/[?#]/, 1)[0] ?? urlPath;
  const entry = FILES.get(path);
  if (!entry) return null;
  const file = entry.file();
  let body = cache.get(file);
  if (!body) {
    body = readFileSync(file);
    cache.set(file, body);
  }
  return { body, type: entry.type };
}
