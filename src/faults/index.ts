// One driver per fault kind.
import type { FaultKind, FaultSpec } from "../scenario/schema.ts";
import type { DriverContext, FaultDriver } from "./driver.ts";
import { HttpActionDriver } from "./http-action.ts";
import { HttpProxyDriver } from "./http-proxy/driver.ts";
import { ProcessDriver } from "./process.ts";
import { RedisDriver } from "./redis.ts";
import { ToxiproxyDriver } from "./toxiproxy.ts";

export type Drivers = { [K in FaultKind]: FaultDriver<Extract<FaultSpec, { kind: K }>> };

export function createDrivers(ctx: DriverContext): Drivers {
  return {
    toxiproxy: new ToxiproxyDriver(ctx),
    http: new HttpProxyDriver(ctx),
    redis: new RedisDriver(ctx),
    "http-action": new HttpActionDriver(ctx),
    process: new ProcessDriver(ctx),
  };
}

export { describeFault } from "./describe.ts";
