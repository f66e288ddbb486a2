// Which licences a dependency of gameday may carry: open-source licences that allow any use. Copyleft
// (GPL family, LGPL included, AGPL, SSPL) and source-available licences (BUSL) fail, and so does any
// licence this list does not name: a new one is added here after a human has read it.

/** SPDX ids allowed for every package and module. */
export const ALLOWED_LICENCES: readonly string[] = [
  "0BSD",
  "Apache-2.0",
  "BlueOak-1.0.0",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "BSL-1.0",
  "CC0-1.0",
  "ISC",
  "MIT",
  "MIT-0",
  "MPL-2.0",
  "NCSA",
  "PostgreSQL",
  "PSF-2.0",
  "Python-2.0",
  "Unlicense",
  "UPL-1.0",
  "X11",
  "Zlib",
];

/** Allowed only for packages that ship data, not code (listed in DATA_ONLY_PACKAGES). */
export const DATA_ONLY_LICENCES: readonly string[] = ["CC-BY-3.0", "CC-BY-4.0"];

/**
 * npm packages checked to ship data only (tables, not code), for which DATA_ONLY_LICENCES pass.
 * Empty today: no dependency needs it.
 */
export const DATA_ONLY_PACKAGES: readonly string[] = [];

/** SPDX exceptions a `<licence> WITH <exception>` may name; the licence itself must still be allowed. */
export const KNOWN_EXCEPTIONS: readonly string[] = [
  "LLVM-exception",
  "Classpath-exception-2.0",
  "GCC-exception-3.1",
  "Autoconf-exception-3.0",
  "Bison-exception-2.2",
  "Font-exception-2.0",
  "Linux-syscall-note",
  "OpenJDK-assembly-exception-1.0",
  "Swift-exception",
];

/** Licence families that fail whatever their version, with the reason printed. */
const FORBIDDEN_FAMILIES: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  { pattern: /^AGPL(-|$)/i, why: "network copyleft" },
  { pattern: /^LGPL(-|$)/i, why: "copyleft (LGPL is not allowed)" },
  { pattern: /^GPL(-|$)/i, why: "copyleft" },
  { pattern: /^SSPL(-|$)/i, why: "source-available (Server Side Public License)" },
  { pattern: /^BUSL(-|$)/i, why: "source-available (Business Source License)" },
];

/** Go module paths that fail outright, whatever their licence file says. */
export const DENIED_GO_MODULES: ReadonlyArray<{ prefix: string; why: string }> = [
  { prefix: "go.k6.io", why: "k6 is AGPL-3.0: gameday never builds it (a k6 load runs the user's own k6)" },
];

/** Why `id` is forbidden, or undefined when it is not in a forbidden family. */
export function forbiddenFamily(id: string): string | undefined {
  return FORBIDDEN_FAMILIES.find((f) => f.pattern.test(id))?.why;
}

/** Why the Go module `path` is denied, or undefined. */
export function deniedGoModule(path: string): string | undefined {
  return DENIED_GO_MODULES.find((d) => path === d.prefix || path.startsWith(`${d.prefix}/`))?.why;
}
