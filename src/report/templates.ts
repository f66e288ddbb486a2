// Handlebars templates by file name. A user overrides any of them by putting a file with the same
// name in their own templates folder; the rest keep the bundled defaults.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";

export const BUNDLED_TEMPLATES_DIR = fileURLToPath(new URL("./templates/", import.meta.url));

export type RenderFn = (view: unknown) => string;

const hb = Handlebars.create();

hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
hb.registerHelper("lower", (s: unknown) => String(s ?? "").toLowerCase());
hb.registerHelper("inc", (n: unknown) => Number(n) + 1);
/** A Markdown table cell: pipes and newlines would break the row, "<" would start raw HTML. */
hb.registerHelper("cell", (s: unknown) =>
  String(s ?? "")
    .replace(/\r?\n/g, " ")
    .replace(/\|/g, "\\|")
    .replace(/<(?=[A-Za-z/!?])/g, "&lt;"),
);
/** XML 1.0 text: escape markup and drop the control characters XML cannot carry at all. */
hb.registerHelper("xml", (s: unknown) => new hb.SafeString(xmlText(String(s ?? ""))));

export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Loads `<name>.hbs` from the override folder if present there, else the bundled one. */
export function loadTemplate(name: string, templatesDir?: string): { render: RenderFn; source: string } {
  const override = templatesDir ? join(templatesDir, `${name}.hbs`) : undefined;
  const source = override && existsSync(override) ? override : join(BUNDLED_TEMPLATES_DIR, `${name}.hbs`);
  let text: string;
  try {
    text = readFileSync(source, "utf8");
  } catch (err) {
    throw new Error(`template ${name}: cannot read ${source}: ${(err as Error).message}`);
  }
  // Markdown is not HTML: HTML-escaping it would print "&amp;" in every viewer. HTML and XML keep
  // Handlebars' escaping, which yields entities valid in both.
  const markdown = name.endsWith(".md");
  let compiled: Handlebars.TemplateDelegate;
  try {
    compiled = hb.compile(text, { noEscape: markdown, strict: false });
  } catch (err) {
    throw new Error(`template ${name} (${source}): ${(err as Error).message}`);
  }
  return {
    source,
    render: (view) => {
      try {
        return compiled(view);
      } catch (err) {
        throw new Error(`template ${name} (${source}): ${(err as Error).message}`);
      }
    },
  };
}
