#!/usr/bin/env node
// The installed `gameday` command (package.json "bin"). It turns on Node's compile cache before any
// of the CLI's modules load, as bin/gameday does in a checkout: every later start reuses the
// compiled code, which takes about a quarter off `gameday validate` (bench/package.bench.ts). Only
// node:module may be imported statically here: a static import would load before the cache is on.
import { enableCompileCache } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

// NODE_COMPILE_CACHE, when set, is Node's own choice of folder; NODE_DISABLE_COMPILE_CACHE turns it off.
enableCompileCache(
  process.env.NODE_COMPILE_CACHE ??
    join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "gameday", "node-compile-cache"),
);
const { runCommandLine } = await import("./main.ts");
runCommandLine();
