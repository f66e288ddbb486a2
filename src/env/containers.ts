// The testcontainers provider: Toxiproxy and Redis in containers, for machines with a container
// runtime (Docker or Podman). Where none exists it says so and why, instead of failing obscurely.
import { existsSync } from "node:fs";
import { EnvironmentError } from "../cli/exit-codes.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { Environment } from "./provider.ts";

/**
 * The testcontainers packages are optional peer dependencies: a team that never uses this provider
 * does not install a Docker client, gRPC and ssh2 with gameday. Where they are missing, the error
 * says how to add them.
 */
export const CONTAINER_PACKAGES = "testcontainers@12 @testcontainers/toxiproxy@12";

class ContainerPackagesMissing extends Error {}

async function containerModules() {
  try {
    const [core, toxiproxy] = await Promise.all([
      import("testcontainers"),
      import("@testcontainers/toxiproxy"),
    ]);
    return { ...core, ToxiProxyContainer: toxiproxy.ToxiProxyContainer };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new ContainerPackagesMissing(
      `it needs the packages testcontainers and @testcontainers/toxiproxy, which gameday does not install itself: npm install -D ${CONTAINER_PACKAGES} (${(err as Error).message.split("\n")[0]})`,
    );
  }
}

export const TOXIPROXY_IMAGE = "ghcr.io/shopify/toxiproxy:2.12.0";
export const REDIS_IMAGE = "redis:7.0";

/**
 * Whether a container runtime answers; the reason names what was looked for when none does. Missing
 * packages come first: they are what the user fixes first, on any machine.
 */
export async function containerRuntime(): Promise<{
  available: boolean;
  reason: string;
  /** The testcontainers packages are not installed (the reason says how to add them). */
  packagesMissing?: boolean;
}> {
  let modules: Awaited<ReturnType<typeof containerModules>>;
  try {
    modules = await containerModules();
  } catch (err) {
    if (!(err instanceof ContainerPackagesMissing)) throw err;
    return { available: false, reason: err.message, packagesMissing: true };
  }
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
    const client = await modules.getContainerRuntimeClient();
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
    throw new EnvironmentError(
      `provider "testcontainers": ${rt.reason}${rt.packagesMissing ? "" : '; use provider "local" instead'}`,
    );
  const { GenericContainer, ToxiProxyContainer } = await containerModules();
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
