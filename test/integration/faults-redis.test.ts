// The Redis purge driver against a real redis-server: a pattern purge removes exactly the matching
// keys across many SCAN batches, FLUSHDB removes everything, and revert is an honest no-op.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisDriver } from "../../src/faults/redis.ts";
import { configSchema } from "../../src/scenario/config.ts";
import { faultSpec, type RedisFault } from "../../src/scenario/schema.ts";
import { logDir, redisBin, startRedis } from "./faults-targets.ts";

const missing = redisBin ? undefined : "redis-server is not installed";
if (missing) console.warn(`skipping redis driver tests: ${missing}`);

describe.skipIf(missing !== undefined)("redis driver", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let client: Redis;
  let driver: RedisDriver;
  const ref = { faultId: "f01", tag: "gameday-runR-f01" };
  const spec = (purge: unknown): RedisFault =>
    faultSpec.parse({ kind: "redis", target: "cache", purge }) as RedisFault;

  beforeAll(async () => {
    server = await startRedis(logDir());
    client = new Redis(server.url);
    driver = new RedisDriver({ config: configSchema.parse({ redis: [{ name: "cache", url: server.url }] }) });
  });

  afterAll(async () => {
    client?.disconnect();
    await server?.proc.stop();
  });

  async function fill(prefix: string, n: number): Promise<void> {
    const pipe = client.pipeline();
    for (let i = 0; i < n; i++) pipe.set(`${prefix}${i}`, "v");
    await pipe.exec();
  }

  it("purges keys by pattern over several SCAN batches and leaves the others", async () => {
    await client.flushdb();
    await fill("emb:", 2_345);
    await fill("session:", 100);
    const s = spec({ pattern: "emb:*" });
    const applied = await driver.apply(s, ref);
    expect(applied.detail).toMatchObject({ keysPurged: 2_345, how: "SCAN+UNLINK" });
    expect(String(applied.detail?.revert)).toMatch(/cannot be undone/);
    expect(await client.dbsize()).toBe(100);
    expect(await client.exists("session:0", "session:99")).toBe(2);
    // A purge leaves nothing applied to read back; the driver says it cannot tell.
    expect(driver.readBack).toBe("none");
    expect(await driver.isActive(s, ref)).toBeUndefined();
    await driver.revert(s, ref, applied.previous);
    await driver.revert(s, ref, applied.previous);
    expect(await client.dbsize()).toBe(100);
  });

  it("purge all is FLUSHDB and reports how many keys went", async () => {
    await client.flushdb();
    await fill("k:", 50);
    const applied = await driver.apply(spec("all"), ref);
    expect(applied.detail).toMatchObject({ keysPurged: 50, how: "FLUSHDB" });
    expect(await client.dbsize()).toBe(0);
  });

  it("names the target when the redis is unknown or unreachable", async () => {
    await expect(
      driver.apply(faultSpec.parse({ kind: "redis", target: "nope", purge: "all" }) as RedisFault, ref),
    ).rejects.toThrow(/no redis "nope"/);
    const dead = new RedisDriver({
      config: configSchema.parse({ redis: [{ name: "cache", url: "redis://127.0.0.1:1" }] }),
    });
    await expect(dead.apply(spec("all"), ref)).rejects.toThrow(/redis "cache" unreachable/);
  });
});
