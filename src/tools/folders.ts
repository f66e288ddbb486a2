// Where gameday's tools live. The package's own folders are at its root (src/package/layout.ts);
// the per-user cache is shared by every checkout and installed copy on the machine, so a tool
// is built once per version whichever of them asked first. scripts/setup.sh uses the same layout.
import { homedir } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../package/layout.ts";

/** The Go sources of the built-in load engine (shipped with the package). */
export const LOAD_ENGINE_SOURCES = join(PACKAGE_ROOT, "load-engine");

/** The pinned versions, the one place they are set. */
export const VERSIONS_FILE = join(PACKAGE_ROOT, "scripts", "versions.env");

/** The checkout's own bin folder (`make setup` links there); an installed package has none. */
export const CHECKOUT_BIN = join(PACKAGE_ROOT, ".tools", "bin");

/** `${GAMEDAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gameday}`: where builds are kept per version. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GAMEDAY_CACHE) return env.GAMEDAY_CACHE;
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "gameday");
}

/** The per-user bin folder `gameday setup` links every tool into by default. */
export function userBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(userCacheDir(env), "bin");
}
