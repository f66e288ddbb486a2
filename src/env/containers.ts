// The testcontainers provider: Toxiproxy and Redis in containers, for machines with a container
// runtime (Docker or Podman). Where none exists it says so and why, instead of failing obscurely.
import { existsSync } from "node:fs";
import { EnvironmentError } from "../cli/exit-codes.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { Environment } from "./provider.ts";

export const TOXIPROXY_IMAGE = "ghcr.io/shopify/toxiproxy:2.12.0";
export const REDIS_IMAGE = "redis:7.0";

/** Whether a container runtime answers; the reason names what was looked for when none does. */
export async function containerRuntime(): Promise<{ available: boolean; reason: string }> {
  const socket =
    process.env.DOCKER_HOST ??
    (existsSync("/var/run/docker.sock") ? "unix:///var/run/docker.sock" : undefined);
  if (!socket) {
    return {
      available: false,
      reason: "no container runtime: DOCKER_HOST is unset and /var/run/docker.sock does not exist",
    };
  }
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    const client = await getContainerRuntimeClient();
    return { available: true, reason: `container runtime ${client.info.containerRuntime.host}` };
  } catch (err) {
    return {
      available: false,
      reason: `no usable container runtime at ${socket}: ${(err as Error).message.split("\n")[0]}`,
    };
  }
}

export async function startContainers(config: GamedayConfig, _o: { logDir: string }): Promise<Environment> {
  const rt = await containerRuntime();
  if (!rt.available)
    throw new EnvironmentError(`provider "testcontainers": ${rt.reason}; use provider "local" instead`);
  const { GenericContainer } = await import("testcontainers");
  const { ToxiProxyContainer } = await import("@testcontainers/toxiproxy");
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const resolved: GamedayConfig = structuredClone(config);
    const tp = await new ToxiProxyContainer(TOXIPROXY_IMAGE).start();
    stops.push(() => tp.stop());
    resolved.toxiproxy = { api: `${tp.getHost()}:${tp.getMappedPort(8474)}` };
    for (const proxy of resolved.proxies) {
      if (proxy.kind !== "toxiproxy") continue;
      const created = await tp.createProxy({ name: proxy.name, upstream: proxy.upstream });
      // Two addresses: Toxiproxy's own inside the container, and the host's mapped port that clients
      // use. ensureProxies keeps the first, so the proxy is never rebound onto the second.
      proxy.bind = created.instance.listen;
      proxy.listen = `${created.host}:${created.port}`;
    }
    for (const r of resolved.redis) {
      const redis = await new GenericContainer(REDIS_IMAGE).withExposedPorts(6379).start();
      stops.push(() => redis.stop());
      r.url = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
    }
    return {
      config: resolved,
      stop: async () => {
        for (const s of stops.reverse()) await s().catch(() => {});
      },
    };
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => {});
    throw err;
  }
}
