// An HTTP call that changes something (a feature flag, a price) and its revert. When a read
// endpoint is configured the previous value is captured, and journalled by the engine, before the
// change is sent, so a cleanup in another process can restore it even after a SIGKILL mid-change: the revert PUTs the value read back to the read path
// (the convention of flag and pricing services whose PUT merges), unless an explicit revert call
// is given.
import type { GamedayConfig } from "../scenario/config.ts";
import type { HttpActionFault, HttpCall } from "../scenario/schema.ts";
import type { Applied, DriverContext, FaultDriver, FaultRef, Leftover } from "./driver.ts";
import { callService, type ServiceCall } from "./service-call.ts";

interface Previous {
  read?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isPrevious(v: unknown): v is Previous {
  return isRecord(v);
}

export class HttpActionDriver implements FaultDriver<HttpActionFault> {
  readonly kind = "http-action" as const;
  readonly #config: GamedayConfig;

  constructor(ctx: DriverContext) {
    this.#config = ctx.config;
  }

  async #call(target: string, call: ServiceCall): Promise<unknown> {
    return (await callService(this.#config, target, call)).value;
  }

  async capture(spec: HttpActionFault, _ref?: FaultRef): Promise<Previous> {
    const previous: Previous = {};
    if (spec.read) previous.read = await this.#call(spec.target, { method: "GET", path: spec.read.path });
    return previous;
  }

  /** `captured` is what capture returned; without it (a direct call) the value is read here. */
  async apply(spec: HttpActionFault, ref?: FaultRef, captured?: unknown): Promise<Applied> {
    const previous = isPrevious(captured) ? captured : await this.capture(spec, ref);
    const answer = await this.#call(spec.target, spec.apply);
    return { previous, detail: { call: `${spec.apply.method} ${spec.apply.path}`, answer } };
  }

  async revert(spec: HttpActionFault, _ref: FaultRef | undefined, previous: unknown): Promise<Applied> {
    const prev = previous as Previous | undefined;
    let call: HttpCall | undefined = spec.revert;
    if (!call && spec.read && prev?.read !== undefined)
      call = { method: "PUT", path: spec.read.path, body: prev.read };
    if (!call)
      return { detail: { revert: "nothing to revert: no revert call and no value read before the change" } };
    await this.#call(spec.target, call);
    return { detail: { call: `${call.method} ${call.path}` } };
  }

  readonly readBack = "best-effort" as const;

  /**
   * Compares the read endpoint with the fields the change set: active when every field the change
   * actually altered (differs from the captured value) reads back as the change set it. Undefined
   * without a read endpoint, with a non-object body, or when the change altered nothing.
   */
  async isActive(spec: HttpActionFault, _ref?: FaultRef, previous?: unknown): Promise<boolean | undefined> {
    const applied = spec.apply.body;
    if (!spec.read || !isRecord(applied)) return undefined;
    const now = await this.#call(spec.target, { method: "GET", path: spec.read.path });
    if (!isRecord(now)) return undefined;
    const before = isPrevious(previous) && isRecord(previous.read) ? previous.read : undefined;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const changed = Object.keys(applied).filter((k) => !before || !same(before[k], applied[k]));
    if (changed.length === 0) return undefined;
    return changed.every((k) => same(now[k], applied[k]));
  }

  /** Changes leave no tag on a service; `gameday cleanup` restores them from the journal instead. */
  async leftovers(): Promise<Leftover[]> {
    return [];
  }

  async removeLeftover(): Promise<void> {}
}
