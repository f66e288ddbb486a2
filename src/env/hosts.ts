// Safety: a run touches loopback only, unless the config lists other hosts explicitly.
import type { GamedayConfig } from "../scenario/config.ts";

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** "host:port" (IPv6 hosts in brackets) split at its last colon; no colon: the whole is the host. */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  return i < 0
    ? { host: address, port: Number.NaN }
    : { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

function hostOf(address: string): string {
  if (address.includes("://")) return new URL(address).hostname.replace(/^\[|\]$/g, "");
  return splitHostPort(address).host;
}

/** Every address a config names, with where it is named. */
export function addressesOf(config: GamedayConfig): Array<{ where: string; address: string }> {
  const out: Array<{ where: string; address: string }> = [];
  if (config.toxiproxy) out.push({ where: "toxiproxy.api", address: config.toxiproxy.api });
  for (const p of config.proxies) {
    out.push({ where: `proxies.${p.name}.listen`, address: p.listen });
    out.push({ where: `proxies.${p.name}.upstream`, address: p.upstream });
  }
  for (const s of config.services) out.push({ where: `services.${s.name}.url`, address: s.url });
  for (const r of config.redis) out.push({ where: `redis.${r.name}.url`, address: r.url });
  if (config.prometheus) out.push({ where: "prometheus.url", address: config.prometheus.url });
  if (config.alertmanager) out.push({ where: "alertmanager.url", address: config.alertmanager.url });
  for (const p of config.probes) if ("url" in p) out.push({ where: `probes.${p.name}.url`, address: p.url });
  return out;
}

/** One problem per address that is neither loopback nor listed in allowHosts: where, and why. */
export function hostProblems(config: GamedayConfig): Array<{ where: string; message: string }> {
  const allowed = new Set(config.allowHosts.map((h) => h.toLowerCase()));
  return addressesOf(config)
    .map(({ where, address }) => ({ where, host: hostOf(address) }))
    .filter(({ host }) => !isLoopback(host) && !allowed.has(host.toLowerCase()))
    .map(({ where, host }) => ({
      where,
      message: `host "${host}" is not loopback and not in allowHosts; add it to allowHosts to target it deliberately`,
    }));
}

/** Returns one message per address that is neither loopback nor listed in allowHosts. */
export function disallowedHosts(config: GamedayConfig): string[] {
  return hostProblems(config).map(({ where, message }) => `${where}: ${message}`);
}
