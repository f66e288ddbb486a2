// Names the licences in a licence file's text (LICENSE, COPYING, …) by well-known phrases, for code
// that carries no SPDX id of its own (Go modules, old npm packages). Matching is on words only —
// case, punctuation, line breaks and markdown quoting are ignored — and on phrases that appear in a
// licence's own text or its "how to apply" notice, not in mentions of it: the MPL-2.0 names the GPL
// family as "Secondary Licenses" without being one. A text naming several licences (a LICENSE that
// covers bundled code) yields them all; `SPDX-License-Identifier:` lines are taken as written.

/** Lowercase words separated by single spaces. */
export function normaliseLicenceText(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()} `;
}

interface Rule {
  /** The SPDX id found, or undefined. `t` is normaliseLicenceText's output. */
  find(t: string): string | undefined;
}

const has = (t: string, phrase: string) => t.includes(` ${phrase} `);
const hasAny = (t: string, phrases: string[]) => phrases.some((p) => has(t, p));

/** A licence family: its versioned titles first, then its notices (whose version is not read). */
function family(generic: string, titles: Array<[string, string]>, notices: string[]): Rule {
  return {
    find(t) {
      for (const [id, title] of titles) if (has(t, title)) return id;
      return hasAny(t, notices) ? generic : undefined;
    },
  };
}

const gnuNotices = (name: string) => [
  `under the terms of the gnu ${name} general public license`,
  `gnu ${name} general public license as published by`,
];

const ISC_GRANT =
  / permission to use copy modify and (or )?distribute this software for any purpose with or without fee is hereby granted /;
/** The notice condition ISC has and 0BSD drops. */
const ISC_NOTICE = "provided that the above copyright notice and this permission notice appear in all copies";
const BSD_GRANT =
  "redistribution and use in source and binary forms with or without modification are permitted";
const BSD_ADVERTISING = "all advertising materials mentioning features or use of this software";

const RULES: Rule[] = [
  // Forbidden families first, so a file that names one is reported by it first.
  family(
    "AGPL-3.0",
    [["AGPL-3.0", "gnu affero general public license version 3 19 november 2007"]],
    gnuNotices("affero"),
  ),
  family(
    "LGPL",
    [
      ["LGPL-3.0", "gnu lesser general public license version 3 29 june 2007"],
      ["LGPL-2.1", "gnu lesser general public license version 2 1 february 1999"],
      ["LGPL-2.0", "gnu library general public license version 2 june 1991"],
    ],
    [...gnuNotices("lesser"), ...gnuNotices("library")],
  ),
  family(
    "GPL",
    [
      ["GPL-3.0", "gnu general public license version 3 29 june 2007"],
      ["GPL-2.0", "gnu general public license version 2 june 1991"],
    ],
    ["under the terms of the gnu general public license", "gnu general public license as published by"],
  ),
  family("SSPL-1.0", [], ["server side public license"]),
  family("BUSL-1.1", [], ["business source license"]),
  family("MPL-2.0", [], ["mozilla public license version 2 0", "mozilla public license v 2 0"]),
  family("Apache-2.0", [], ["apache license version 2 0"]),
  family("MIT", [], ["permission is hereby granted free of charge to any person obtaining a copy"]),
  {
    find(t) {
      if (!ISC_GRANT.test(t)) return undefined;
      return has(t, ISC_NOTICE) ? "ISC" : "0BSD";
    },
  },
  {
    find(t) {
      if (!has(t, BSD_GRANT)) return undefined;
      if (has(t, BSD_ADVERTISING)) return "BSD-4-Clause";
      return has(t, "endorse or promote products") ? "BSD-3-Clause" : "BSD-2-Clause";
    },
  },
  family("Unlicense", [], ["this is free and unencumbered software released into the public domain"]),
  family("CC0-1.0", [], ["cc0 1 0 universal"]),
  family(
    "Zlib",
    [],
    [
      "permission is granted to anyone to use this software for any purpose including commercial applications and to alter it and redistribute it freely",
    ],
  ),
  family("BSL-1.0", [], ["boost software license version 1 0"]),
  family("BlueOak-1.0.0", [], ["blue oak model license version 1 0 0"]),
  family("Python-2.0", [], ["python software foundation license version 2"]),
];

/** `SPDX-License-Identifier: <expression>` lines, the expression as written. */
function spdxTags(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/SPDX-License-Identifier:\s*([^\r\n]+)/gi)) {
    const expression = m[1]!.replace(/(\*\/|-->|#>).*$/, "").trim();
    if (expression) found.push(expression);
  }
  return found;
}

/**
 * The licences a licence text states, as SPDX ids or expressions, each once, forbidden ones first.
 * Empty when nothing is recognised (the caller fails such a dependency).
 */
export function classifyLicenceText(text: string): string[] {
  const t = normaliseLicenceText(text);
  const found: string[] = [];
  for (const rule of RULES) {
    const id = rule.find(t);
    if (id) found.push(id);
  }
  found.push(...spdxTags(text));
  return [...new Set(found)];
}
