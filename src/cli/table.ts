// Plain-text tables for terminal output (no colours: CI logs stay readable). On a terminal a table is
// fitted to its width: a row whose free-text cell runs to several hundred characters would otherwise
// wrap at the terminal's edge into a block where no column lines up. Piped output (CI logs, files,
// grep) keeps full lines, one row per line.

export interface TableOptions {
  /** Columns available; omitted (not a terminal), every row is printed on one line, however long. */
  width?: number;
}

/** Two spaces between columns. */
const GAP = 2;
/** No column is shrunk below this (or below its header): narrower, a wrapped cell is unreadable. */
export const MIN_COLUMN = 8;

export function table(head: string[], rows: string[][], o: TableOptions = {}): string {
  const natural = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const widths = o.width === undefined ? natural : fitWidths(head, natural, o.width);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join(" ".repeat(GAP))
      .trimEnd();
  const out = [line(head), line(widths.map((w) => "-".repeat(w)))];
  // A table that fits prints exactly as it always has.
  if (widths.every((w, i) => w === natural[i])) return [...out, ...rows.map(line)].join("\n");
  for (const row of rows) {
    const cells = head.map((_, i) => wrapCell(row[i] ?? "", widths[i]!));
    const height = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(line(cells.map((c) => c[k] ?? "")));
  }
  return out.join("\n");
}

/**
 * Column widths that fit `width`: the widest column gives up a character at a time (on a tie, the
 * one further right, where the free text is), so a long reason column wraps while short ones stay
 * whole. A column never goes below its header or MIN_COLUMN; if the table cannot fit even then, it
 * stays as narrow as that and its lines run over.
 */
export function fitWidths(head: readonly string[], natural: readonly number[], width: number): number[] {
  const widths = [...natural];
  const floor = natural.map((n, i) => Math.min(n, Math.max(head[i]!.length, MIN_COLUMN)));
  let excess = widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1) - width;
  while (excess > 0) {
    let pick = -1;
    for (let i = widths.length - 1; i >= 0; i--)
      if (widths[i]! > floor[i]! && (pick === -1 || widths[i]! > widths[pick]!)) pick = i;
    if (pick === -1) break;
    // Down to the next-widest column (or the floor, or the fit) in one step; columns of equal width
    // take turns a character at a time, so they end up sharing the cut.
    const others = widths.filter((_, i) => i !== pick);
    const next = Math.max(floor[pick]!, others.length ? Math.max(...others) : 0, widths[pick]! - excess);
    const step = Math.max(1, widths[pick]! - next);
    widths[pick] = widths[pick]! - step;
    excess -= step;
  }
  return widths;
}

/**
 * A cell as lines of at most `width` characters: words wrap at spaces, a word longer than a line (a
 * URL, a path) is broken hard every `width` characters. A cell that fits is returned as it is,
 * spacing included.
 */
export function wrapCell(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ").filter((w) => w.length > 0)) {
      if (line === "" && word.length <= width) line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else if (word.length <= width) {
        lines.push(line);
        line = word;
      } else {
        // Too long for any line: it starts a line of its own, so a path or URL reads unbroken
        // except at the column's edge.
        if (line !== "") lines.push(line);
        let rest = word;
        while (rest.length > width) {
          lines.push(rest.slice(0, width));
          rest = rest.slice(width);
        }
        line = rest;
      }
    }
    lines.push(line);
  }
  return lines;
}

/**
 * How wide tables printed to `stream` may be: COLUMNS when set to a positive number (as for `ls`:
 * it overrides, terminal or not), else the terminal's width when the stream is one, else undefined —
 * piped output keeps full lines.
 */
export function terminalWidth(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  const columns = Number(env.COLUMNS);
  if (env.COLUMNS && Number.isInteger(columns) && columns > 0) return columns;
  return stream.isTTY && stream.columns && stream.columns > 0 ? stream.columns : undefined;
}
