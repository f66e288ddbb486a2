// What it takes to make Toxiproxy's proxy match a configured one, decided without I/O. A proxy has
// two addresses when Toxiproxy runs in a container: where Toxiproxy itself listens (`bind`, inside
// the container) and where clients reach it (`listen`, the host's mapped port). Only the first is
// Toxiproxy's business; rebinding a proxy onto the client address would break it.
import { splitHostPort } from "../env/hosts.ts";
import type { ProxyConfig } from "../scenario/config.ts";

export type ToxiproxyProxyConfig = Extract<ProxyConfig, { kind: "toxiproxy" }>;

/** What Toxiproxy reports for a proxy (GET /proxies). */
export interface ProxyState {
  listen: string;
  upstream: string;
  enabled: boolean;
}

export type ProxySync =
  | { action: "create"; listen: string }
  | { action: "rebind"; listen: string }
  | { action: "set-upstream" }
  | { action: "none" };

/** The address Toxiproxy should listen on for this proxy. */
export function bindAddress(p: ToxiproxyProxyConfig): string {
  return p.bind ?? p.listen;
}

const WILDCARD = new Set(["", "0.0.0.0", "::", "[::]"]);

/**
 * Whether two listen addresses are the same socket as Toxiproxy sees it: it reports a proxy bound
 * to 0.0.0.0 as "[::]", and a wildcard matches any wildcard spelling.
 */
export function sameListenAddress(a: string, b: string): boolean {
  const x = splitHostPort(a);
  const y = splitHostPort(b);
  if (x.port !== y.port) return false;
  if (WILDCARD.has(x.host) && WILDCARD.has(y.host)) return true;
  const local = (h: string) => (h === "localhost" ? "127.0.0.1" : h);
  return local(x.host) === local(y.host);
}

/** The one step that makes Toxiproxy's proxy (`cur`, absent if none) match the configured one. */
export function proxySync(p: ToxiproxyProxyConfig, cur: ProxyState | undefined): ProxySync {
  const bind = bindAddress(p);
  if (!cur) return { action: "create", listen: bind };
  // Port 0 asks for whatever port Toxiproxy already holds.
  if (!bind.endsWith(":0") && !sameListenAddress(cur.listen, bind)) return { action: "rebind", listen: bind };
  if (cur.upstream !== p.upstream) return { action: "set-upstream" };
  return { action: "none" };
}

/**
 * Where clients reach the proxy: the configured client address, or for a proxy asked for on port 0
 * without a separate bind address, the address Toxiproxy picked.
 */
export function clientAddress(p: ToxiproxyProxyConfig, toxiproxyListen: string | undefined): string {
  if (p.bind === undefined && p.listen.endsWith(":0") && toxiproxyListen) return toxiproxyListen;
  return p.listen;
}
