// Cache purges on a real redis-server: FLUSHDB, or SCAN MATCH + UNLINK in batches (never KEYS, which
// blocks the server). A purge is an instant: there is nothing to revert.
import { Redis } from "ioredis";
import type { GamedayConfig } from "../scenario/config.ts";
import type { RedisFault } from "../scenario/schema.ts";
import type { Applied, DriverContext, FaultDriver, FaultRef, Leftover } from "./driver.ts";

const SCAN_COUNT = 500;

export class RedisDriver implements FaultDriver<RedisFault> {
  readonly kind = "redis" as const;
  readonly #config: GamedayConfig;

  constructor(ctx: DriverContext) {
    this.#config = ctx.config;
  }

  #connect(target: string): Redis {
    const r = this.#config.redis.find((x) => x.name === target);
    if (!r) throw new Error(`no redis "${target}" in the config`);
    const client = new Redis(r.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 3_000,
      enableOfflineQueue: false,
    });
    // Connection errors surface through connect() and each command; without a listener ioredis
    // would also print them as unhandled.
    client.on("error", () => {});
    return client;
  }

  async apply(spec: RedisFault, _ref?: FaultRef): Promise<Applied> {
    const client = this.#connect(spec.target);
    try {
      await client.connect().catch((err: Error) => {
        throw new Error(`redis "${spec.target}" unreachable: ${err.message}`);
      });
      if (spec.purge === "all") {
        const keys = await client.dbsize();
        await client.flushdb();
        return { detail: { keysPurged: keys, how: "FLUSHDB", revert: "none (a purge cannot be undone)" } };
      }
      let cursor = "0";
      let purged = 0;
      do {
        const [next, keys] = await client.scan(cursor, "MATCH", spec.purge.pattern, "COUNT", SCAN_COUNT);
        cursor = next;
        if (keys.length) purged += await client.unlink(...keys);
      } while (cursor !== "0");
      return {
        detail: {
          keysPurged: purged,
          pattern: spec.purge.pattern,
          how: "SCAN+UNLINK",
          revert: "none (a purge cannot be undone)",
        },
      };
    } finally {
      client.disconnect();
    }
  }

  async revert(_spec?: RedisFault, _ref?: FaultRef, _previous?: unknown): Promise<Applied> {
    return {};
  }

  // A purge is instantaneous: nothing stays applied, so there is nothing to read back (the keys it
  // removed may be refilled by the application at once, which is the point of the fault).
  readonly readBack = "none" as const;

  async isActive(_spec?: RedisFault, _ref?: FaultRef): Promise<undefined> {
    return undefined;
  }

  async leftovers(): Promise<Leftover[]> {
    return [];
  }

  async removeLeftover(): Promise<void> {}
}
