// HTTP faults: a tagged rule on the HTTP fault proxy named by the config.
import type { GamedayConfig } from "../../scenario/config.ts";
import type { HttpFault } from "../../scenario/schema.ts";
import type { Applied, DriverContext, FaultDriver, FaultRef, Leftover } from "../driver.ts";
import {
  addRule,
  type ControlOptions,
  listRules,
  ProxyUnreachableError,
  removeRulesByTag,
} from "./client.ts";
import type { RuleInput } from "./rules.ts";

export function ruleFor(spec: HttpFault, tag: string): RuleInput {
  return {
    tag,
    status: spec.status as RuleInput["status"],
    retryAfterSec: spec.retryAfter === undefined ? undefined : spec.retryAfter / 1000,
    body: spec.body,
    latencyMs: spec.latency,
    abort: spec.abort,
    match: spec.match,
    percent: spec.percent,
  };
}

export class HttpProxyDriver implements FaultDriver<HttpFault> {
  readonly kind = "http" as const;
  readonly #config: GamedayConfig;

  constructor(ctx: DriverContext) {
    this.#config = ctx.config;
  }

  /** The proxy's control address and the token its control API wants. */
  #proxy(target: string): [string, ControlOptions] {
    const p = this.#config.proxies.find((x) => x.kind === "http" && x.name === target);
    if (p?.kind !== "http") throw new Error(`no HTTP fault proxy "${target}" in the config`);
    return [`http://${p.listen}`, { token: p.token }];
  }

  async apply(spec: HttpFault, ref: FaultRef): Promise<Applied> {
    const [base, control] = this.#proxy(spec.target);
    const rule = await addRule(base, ruleFor(spec, ref.tag), control);
    return { previous: { ruleId: rule.id }, detail: { proxy: spec.target, rule: rule.id } };
  }

  async revert(spec: HttpFault, ref: FaultRef, _previous?: unknown): Promise<Applied> {
    const [base, control] = this.#proxy(spec.target);
    const removed = await removeRulesByTag(base, ref.tag, control);
    return { detail: { removed } };
  }

  readonly readBack = "exact" as const;

  async isActive(spec: HttpFault, ref: FaultRef): Promise<boolean> {
    const [base, control] = this.#proxy(spec.target);
    return (await listRules(base, control)).some((r) => r.tag === ref.tag);
  }

  async leftovers(tagPrefix: string): Promise<Leftover[]> {
    const out: Leftover[] = [];
    for (const p of this.#config.proxies) {
      if (p.kind !== "http") continue;
      // A proxy that is gone (it ran inside a killed harness) holds no rules; a wrong token is an error.
      const rules = await listRules(`http://${p.listen}`, { token: p.token }).catch((err: unknown) => {
        if (err instanceof ProxyUnreachableError) return [];
        throw err;
      });
      for (const r of rules) {
        if (r.tag.startsWith(tagPrefix))
          out.push({
            kind: "http",
            target: p.name,
            tag: r.tag,
            description: `rule ${r.id} (${r.status ?? ""}${r.latencyMs ? ` +${r.latencyMs}ms` : ""}${r.abort ? " abort" : ""}) on ${p.name}`,
          });
      }
    }
    return out;
  }

  async removeLeftover(l: Leftover): Promise<void> {
    const [base, control] = this.#proxy(l.target);
    await removeRulesByTag(base, l.tag, control);
  }
}
