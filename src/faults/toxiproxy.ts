// Toxiproxy faults through toxiproxy-node-client against a real toxiproxy-server. Every toxic is
// named with the fault's tag, so leftovers of a killed run are found by tag. "down" disables the
// proxy; a disabled proxy cannot carry a name, so a zero-latency marker toxic named with the tag is
// added beside it and the previous enabled state is journalled for revert.
import { Toxiproxy, type ToxicType } from "toxiproxy-node-client";
import type { ProxyConfig } from "../scenario/config.ts";
import type { ToxiproxyFault } from "../scenario/schema.ts";
import type { Applied, DriverContext, FaultDriver, FaultRef, Leftover } from "./driver.ts";
import { clientAddress, proxySync } from "./toxiproxy-sync.ts";

interface ToxicJson {
  name: string;
  type: string;
}
interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export function toxiproxyUrl(api: string): string {
  return api.startsWith("http") ? api.replace(/\/$/, "") : `http://${api}`;
}

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T | undefined> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    throw new Error(`toxiproxy at ${base} unreachable: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`toxiproxy ${method} ${path} answered ${res.status}: ${text.trim()}`);
  return text ? (JSON.parse(text) as T) : undefined;
}

/**
 * Creates or updates the config's Toxiproxy proxies so they listen and forward as configured (see
 * proxySync: a proxy with a separate bind address is never moved onto its client address). Returns
 * each proxy's client address: a proxy created on port 0 gets its port from the kernel, with no
 * window in which another program could take it.
 */
export async function ensureProxies(
  apiAddress: string,
  proxies: ProxyConfig[],
): Promise<Record<string, string>> {
  const base = toxiproxyUrl(apiAddress);
  const existing = (await api<Record<string, ProxyJson>>(base, "GET", "/proxies")) ?? {};
  const listening: Record<string, string> = {};
  for (const p of proxies) {
    if (p.kind !== "toxiproxy") continue;
    const cur = existing[p.name];
    const step = proxySync(p, cur);
    const path = `/proxies/${encodeURIComponent(p.name)}`;
    let toxiproxyListen = cur?.listen;
    if (step.action === "create") {
      const created = await api<ProxyJson>(base, "POST", "/proxies", {
        name: p.name,
        listen: step.listen,
        upstream: p.upstream,
        enabled: true,
      });
      toxiproxyListen = created?.listen ?? toxiproxyListen;
    } else if (step.action === "rebind") {
      await api(base, "POST", path, { listen: step.listen, upstream: p.upstream, enabled: true });
      toxiproxyListen = step.listen;
    } else if (step.action === "set-upstream" && cur) {
      await api(base, "POST", path, { listen: cur.listen, upstream: p.upstream, enabled: cur.enabled });
    }
    listening[p.name] = clientAddress(p, toxiproxyListen);
  }
  return listening;
}

export class ToxiproxyDriver implements FaultDriver<ToxiproxyFault> {
  readonly kind = "toxiproxy" as const;
  readonly #base: string | undefined;

  constructor(ctx: DriverContext) {
    this.#base = ctx.config.toxiproxy ? toxiproxyUrl(ctx.config.toxiproxy.api) : undefined;
  }

  get #url(): string {
    if (!this.#base) throw new Error("no toxiproxy.api in the config");
    return this.#base;
  }

  async apply(spec: ToxiproxyFault, ref: FaultRef): Promise<Applied> {
    const client = new Toxiproxy(this.#url);
    const proxy = await client.get(spec.target).catch((err: Error) => {
      throw new Error(`toxiproxy proxy "${spec.target}" not found at ${this.#url}: ${err.message}`);
    });
    if (spec.toxic === "down") {
      const previous = { enabled: proxy.enabled };
      await proxy.addToxic({
        name: ref.tag,
        type: "latency",
        stream: "downstream",
        toxicity: 1,
        attributes: { latency: 0, jitter: 0 },
      });
      await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
      return { previous, detail: { proxy: spec.target, disabled: true } };
    }
    await proxy.addToxic({
      name: ref.tag,
      type: spec.toxic as ToxicType,
      stream: spec.stream,
      toxicity: spec.toxicity,
      attributes: spec.attributes,
    });
    return { detail: { proxy: spec.target, toxic: spec.toxic, attributes: spec.attributes } };
  }

  async revert(spec: ToxiproxyFault, ref: FaultRef, previous: unknown): Promise<Applied> {
    const path = `/proxies/${encodeURIComponent(spec.target)}`;
    if (spec.toxic === "down") {
      const cur = await api<ProxyJson>(this.#url, "GET", path);
      const enabled = (previous as { enabled?: boolean } | undefined)?.enabled ?? true;
      if (cur && cur.enabled !== enabled)
        await api(this.#url, "POST", path, { listen: cur.listen, upstream: cur.upstream, enabled });
    }
    await api(this.#url, "DELETE", `${path}/toxics/${encodeURIComponent(ref.tag)}`);
    return {};
  }

  readonly readBack = "exact" as const;

  async isActive(spec: ToxiproxyFault, ref: FaultRef): Promise<boolean> {
    const cur = await api<ProxyJson>(this.#url, "GET", `/proxies/${encodeURIComponent(spec.target)}`);
    if (!cur) return false;
    const tagged = cur.toxics.some((t) => t.name === ref.tag);
    return spec.toxic === "down" ? tagged && !cur.enabled : tagged;
  }

  async leftovers(tagPrefix: string): Promise<Leftover[]> {
    if (!this.#base) return [];
    const all = (await api<Record<string, ProxyJson>>(this.#url, "GET", "/proxies")) ?? {};
    return Object.values(all).flatMap((p) =>
      p.toxics
        .filter((t) => t.name.startsWith(tagPrefix))
        .map((t) => ({
          kind: "toxiproxy" as const,
          target: p.name,
          tag: t.name,
          description: `toxic ${t.name} (${t.type}) on ${p.name}${p.enabled ? "" : ", proxy disabled"}`,
        })),
    );
  }

  async removeLeftover(l: Leftover): Promise<void> {
    const path = `/proxies/${encodeURIComponent(l.target)}`;
    const cur = await api<ProxyJson>(this.#url, "GET", path);
    // A tagged proxy that is disabled was disabled by that fault ("down"): enable it again.
    if (cur && !cur.enabled)
      await api(this.#url, "POST", path, { listen: cur.listen, upstream: cur.upstream, enabled: true });
    await api(this.#url, "DELETE", `${path}/toxics/${encodeURIComponent(l.tag)}`);
  }
}
