// The catalogue of programs gameday runs or builds: what each is for, how it is obtained, where it
// is looked for, and how its version is read. `gameday setup` obtains them, `gameday doctor` reports
// them, and needs.ts says which ones a config needs. The Go-built tools' versions and the Debian
// package lists come from scripts/versions.env, so adding a package there is enough for both.
import type { PinnedVersions } from "./pinned-versions.ts";

export type ToolSource =
  /** The Node running gameday. */
  | { kind: "node" }
  /** The Go toolchain: setup builds with it, runs never use it. */
  | { kind: "go-toolchain" }
  /** `go build` of the package's load-engine/ into the cache, keyed by a hash of its sources. */
  | { kind: "load-engine"; vegeta: string }
  /** `go install PKG@VERSION` into the cache, keyed by the version; `binary` is what Go names it. */
  | { kind: "go-install"; pkg: string; version: string; binary: string }
  | { kind: "debian"; package: string }
  /** Never installed by gameday (k6: AGPL-3.0): the user's own. */
  | { kind: "user-installed" };

export type ToolScope =
  /** Runs (or setup itself) use it. */
  | "run"
  /** Only this repository's own tests and benchmarks use it (`--dev`). */
  | "dev";

export interface Tool {
  /** The name it is reported and linked under. */
  name: string;
  purpose: string;
  source: ToolSource;
  scope: ToolScope;
  /** Program names to look for, in order (Debian names Alertmanager's "prometheus-alertmanager"). */
  programs: string[];
  /** An environment variable naming the binary to use instead; it wins over every search. */
  envVar?: string;
  /** Whether the checkout's .tools/bin and the per-user bin are searched (what setup links there). */
  linkedBins: boolean;
  /** Whether PATH is searched. */
  path: boolean;
  /** Folders off PATH where a package puts its program (haproxy in /usr/sbin). */
  systemDirs: string[];
  versionArgs: string[];
  /** Group 1 is the version in the program's output; default: the first dotted number. */
  versionPattern?: RegExp;
}

/** The first dotted number (7.0.15, 2.42.0+ds, 4.1.0-3+b2), the shape most programs print. */
export const DEFAULT_VERSION_PATTERN = /(\d+(?:\.\d+)+(?:[-+~][\w.+~]*)?)/;

type DebianDetails = Omit<Tool, "source" | "scope" | "linkedBins">;

/** What is known about each Debian package's program; a package not listed here is its own program. */
function debianDetails(pkg: string): DebianDetails {
  const onPath = { path: true, systemDirs: [], versionArgs: ["--version"] };
  switch (pkg) {
    case "redis-server":
      return {
        ...onPath,
        name: "redis-server",
        purpose: "Redis of the reference stack and of the local provider's redis entries",
        programs: ["redis-server"],
        envVar: "REDIS_SERVER_BIN",
      };
    case "prometheus":
      return {
        ...onPath,
        name: "prometheus",
        purpose: "the reference stack's Prometheus",
        programs: ["prometheus"],
        envVar: "GAMEDAY_PROMETHEUS",
      };
    case "prometheus-alertmanager":
      return {
        ...onPath,
        name: "alertmanager",
        purpose: "the reference stack's Alertmanager",
        programs: ["prometheus-alertmanager", "alertmanager"],
        envVar: "GAMEDAY_ALERTMANAGER",
      };
    case "chromium":
      return { ...onPath, name: "chromium", purpose: "tests of the HTML reports", programs: ["chromium"] };
    case "wrk":
      return {
        ...onPath,
        name: "wrk",
        purpose: "benchmarks (a load generator to compare with)",
        programs: ["wrk"],
      };
    case "haproxy":
      // Debian puts it in /usr/sbin, off a non-root PATH.
      return {
        ...onPath,
        name: "haproxy",
        purpose: "benchmarks (a peer of the HTTP fault proxy)",
        programs: ["haproxy"],
        systemDirs: ["/usr/sbin"],
        versionArgs: ["-v"],
      };
    default: {
      const pg = /^postgresql-(\d+)$/.exec(pkg);
      // The server's programs live off PATH in /usr/lib/postgresql/N/bin; PATH only has
      // postgresql-common's wrappers, which exist without any server version installed.
      if (pg)
        return {
          name: pkg,
          purpose: "tests of the shared run-history store",
          programs: ["initdb"],
          path: false,
          systemDirs: [`/usr/lib/postgresql/${pg[1]}/bin`],
          versionArgs: ["--version"],
        };
      return { ...onPath, name: pkg, purpose: `Debian package ${pkg}`, programs: [pkg] };
    }
  }
}

function debianTool(pkg: string, scope: ToolScope): Tool {
  return { ...debianDetails(pkg), source: { kind: "debian", package: pkg }, scope, linkedBins: false };
}

function goInstallTool(
  name: string,
  module: string,
  cmd: string,
  version: string,
  o: Pick<Tool, "purpose" | "envVar" | "scope" | "versionArgs">,
): Tool {
  const pkg = `${module}/${cmd}`;
  return {
    ...o,
    name,
    source: { kind: "go-install", pkg, version, binary: cmd.slice(cmd.lastIndexOf("/") + 1) },
    programs: [name],
    linkedBins: true,
    path: true,
    systemDirs: [],
    // `go install` does not stamp Toxiproxy's version ("version git"); see tool-version.ts.
    versionPattern: /\bversion (v?\d[\w.+-]*)/,
  };
}

export function toolCatalogue(pins: PinnedVersions): Tool[] {
  return [
    {
      name: "node",
      purpose: "runs gameday (Node 22.18 or newer)",
      source: { kind: "node" },
      scope: "run",
      programs: ["node"],
      linkedBins: false,
      path: false,
      systemDirs: [],
      versionArgs: ["--version"],
    },
    {
      name: "go",
      purpose: "builds gameday-load and Toxiproxy (gameday setup only)",
      source: { kind: "go-toolchain" },
      scope: "run",
      programs: ["go"],
      linkedBins: false,
      path: true,
      // The official tarball's place, often not on PATH.
      systemDirs: ["/usr/local/go/bin"],
      versionArgs: ["version"],
      versionPattern: /\bgo(\d+\.\d+(?:\.\d+)?\S*)/,
    },
    {
      name: "gameday-load",
      purpose: `the built-in load engine (load-engine/, on Vegeta ${pins.vegeta})`,
      source: { kind: "load-engine", vegeta: pins.vegeta },
      scope: "run",
      programs: ["gameday-load"],
      envVar: "GAMEDAY_LOAD_BIN",
      linkedBins: true,
      path: true,
      systemDirs: [],
      versionArgs: ["-version"],
      versionPattern: /^gameday-load (.+)$/m,
    },
    goInstallTool("toxiproxy-server", pins.toxiproxyModule, "cmd/server", pins.toxiproxyVersion, {
      purpose: "TCP faults (latency, resets, bandwidth) for the local and reference providers",
      envVar: "TOXIPROXY_SERVER_BIN",
      scope: "run",
      versionArgs: ["-version"],
    }),
    goInstallTool("toxiproxy-cli", pins.toxiproxyModule, "cmd/cli", pins.toxiproxyVersion, {
      purpose: "looks at Toxiproxy by hand (gameday drives it through its API)",
      envVar: "TOXIPROXY_CLI_BIN",
      scope: "run",
      versionArgs: ["--version"],
    }),
    ...pins.debianPackages.map((p) => debianTool(p, "run")),
    {
      name: "k6",
      purpose: "k6 loads (your own k6: gameday never installs it, it is AGPL-3.0)",
      source: { kind: "user-installed" },
      scope: "run",
      programs: ["k6"],
      envVar: "K6_BIN",
      linkedBins: false,
      path: true,
      systemDirs: [],
      versionArgs: ["version"],
    },
    {
      ...goInstallTool("actionlint", pins.actionlintModule, "cmd/actionlint", pins.actionlintVersion, {
        purpose: "checks the CI examples in this repository's tests",
        envVar: "ACTIONLINT_BIN",
        scope: "dev",
        versionArgs: ["-version"],
      }),
      versionPattern: DEFAULT_VERSION_PATTERN,
    },
    ...pins.debianDevPackages.map((p) => debianTool(p, "dev")),
  ];
}

/** The tools of a scope: the run tools always, the dev tools too when asked. */
export function toolsFor(catalogue: readonly Tool[], o: { dev: boolean }): Tool[] {
  return catalogue.filter((t) => t.scope === "run" || o.dev);
}

/** The tools gameday builds with Go. */
export function goBuilt(tool: Tool): boolean {
  return tool.source.kind === "load-engine" || tool.source.kind === "go-install";
}
