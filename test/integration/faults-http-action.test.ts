// The http-action driver against a real flag service on loopback: the previous value is read and
// journalled, the change is visible, and revert restores it (also from only the journalled value).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpActionDriver } from "../../src/faults/http-action.ts";
import { configSchema } from "../../src/scenario/config.ts";
import { faultSpec, type HttpActionFault } from "../../src/scenario/schema.ts";
import { flagService } from "./faults-targets.ts";

describe("http-action driver", () => {
  let flags: Awaited<ReturnType<typeof flagService>>;
  let driver: HttpActionDriver;
  const ref = { faultId: "f01", tag: "gameday-runA-f01" };
  const spec = (input: Record<string, unknown>): HttpActionFault =>
    faultSpec.parse({ kind: "http-action", target: "control", ...input }) as HttpActionFault;

  beforeAll(async () => {
    flags = await flagService({ failover: true, price: 0.002 });
    driver = new HttpActionDriver({
      config: configSchema.parse({ services: [{ name: "control", url: flags.url }] }),
    });
  });
  afterAll(() => flags?.close());

  it("reads the previous value, applies the change, and restores it by PUTting the read body back", async () => {
    const s = spec({
      apply: { method: "PUT", path: "/flags", body: { failover: false } },
      read: { path: "/flags" },
    });
    const applied = await driver.apply(s, ref);
    expect(applied.previous).toEqual({ read: { failover: true, price: 0.002 } });
    expect(flags.flags.failover).toBe(false);
    expect(await driver.isActive(s, ref)).toBe(true);
    // As `gameday cleanup` does: a fresh driver and the journalled (JSON round-tripped) previous value.
    const other = new HttpActionDriver({
      config: configSchema.parse({ services: [{ name: "control", url: flags.url }] }),
    });
    await other.revert(s, ref, JSON.parse(JSON.stringify(applied.previous)));
    expect(flags.flags).toEqual({ failover: true, price: 0.002 });
    expect(await driver.isActive(s, ref)).toBe(false);
    await other.revert(s, ref, applied.previous);
    expect(flags.flags).toEqual({ failover: true, price: 0.002 });
  });

  it("uses the explicit revert call when one is given", async () => {
    const s = spec({
      apply: { method: "POST", path: "/flags", body: { price: 0.05 } },
      revert: { method: "POST", path: "/flags", body: { price: 0.001 } },
      read: { path: "/flags" },
    });
    await driver.apply(s, ref);
    expect(flags.flags.price).toBe(0.05);
    expect(await driver.isActive(s, ref)).toBe(true);
    await driver.revert(s, ref, undefined);
    expect(flags.flags.price).toBe(0.001);
    flags.flags.price = 0.002;
  });

  it("reads back only the fields the change altered, and cannot tell for a change that altered nothing", async () => {
    const s = spec({
      apply: { method: "PUT", path: "/flags", body: { failover: false, price: 0.002 } },
      read: { path: "/flags" },
    });
    const captured = await driver.capture(s, ref);
    const applied = await driver.apply(s, ref, captured);
    expect(await driver.isActive(s, ref, applied.previous)).toBe(true);
    await driver.revert(s, ref, applied.previous);
    expect(await driver.isActive(s, ref, applied.previous)).toBe(false);
    const noop = spec({
      apply: { method: "PUT", path: "/flags", body: { failover: true } },
      read: { path: "/flags" },
    });
    const same = await driver.apply(noop, ref, await driver.capture(noop, ref));
    expect(await driver.isActive(noop, ref, same.previous)).toBeUndefined();
  });

  it("says so when there is nothing to revert with", async () => {
    const s = spec({ apply: { method: "PUT", path: "/flags", body: { x: 1 } } });
    await driver.apply(s, ref);
    const out = await driver.revert(s, ref, undefined);
    expect(JSON.stringify(out)).toMatch(/nothing to revert/);
    delete flags.flags.x;
  });

  it("fails naming service, method, URL and status", async () => {
    await expect(
      driver.apply(spec({ apply: { method: "PUT", path: "/nope", body: {} } }), ref),
    ).rejects.toThrow(new RegExp(`service "control" PUT ${flags.url}/nope answered 404`));
    await expect(
      driver.apply(spec({ apply: { method: "PUT", path: "/flags", body: {}, expectStatus: 204 } }), ref),
    ).rejects.toThrow(/answered 200/);
    const dead = new HttpActionDriver({
      config: configSchema.parse({ services: [{ name: "control", url: "http://127.0.0.1:1" }] }),
    });
    await expect(dead.apply(spec({ apply: { method: "PUT", path: "/flags" } }), ref)).rejects.toThrow(
      /service "control" PUT http:\/\/127.0.0.1:1\/flags unreachable/,
    );
  });
});
