// A client for the HTTP fault proxy's control API (/__gameday/ on the proxy's own port).
import type { Rule, RuleInput } from "./rules.ts";

export interface ControlOptions {
  token?: string;
  timeoutMs?: number;
}

/** Nothing answers at the proxy's address: a proxy that is gone took its rules with it. */
export class ProxyUnreachableError extends Error {
  constructor(base: string, cause: string) {
    super(`HTTP fault proxy at ${base} unreachable: ${cause}`);
    this.name = "ProxyUnreachableError";
  }
}

/** A bare string is taken as the bearer token. */
export type ControlArg = ControlOptions | string | undefined;

function options(o: ControlArg): ControlOptions {
  return typeof o === "string" ? { token: o } : (o ?? {});
}

async function call<T>(
  base: string,
  method: string,
  path: string,
  body: unknown,
  arg: ControlArg,
): Promise<T> {
  const o = options(arg);
  const url = `${base.replace(/\/$/, "")}/__gameday/${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(o.timeoutMs ?? 5_000),
    });
  } catch (err) {
    throw new ProxyUnreachableError(base, (err as Error).message);
  }
  const text = await res.text();
  if (!res.ok)
    throw new Error(`HTTP fault proxy ${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export function addRule(base: string, rule: RuleInput, o?: ControlArg): Promise<Rule> {
  return call<Rule>(base, "POST", "rules", rule, o);
}

export async function removeRule(base: string, id: string, o?: ControlArg): Promise<boolean> {
  try {
    await call(base, "DELETE", `rules/${encodeURIComponent(id)}`, undefined, o);
    return true;
  } catch (err) {
    if (/answered 404/.test((err as Error).message)) return false;
    throw err;
  }
}

export async function removeRulesByTag(base: string, tagPrefix: string, o?: ControlArg): Promise<number> {
  const r = await call<{ removed: number }>(
    base,
    "DELETE",
    `rules?tag=${encodeURIComponent(tagPrefix)}`,
    undefined,
    o,
  );
  return r.removed;
}

export function listRules(base: string, o?: ControlArg): Promise<Rule[]> {
  return call<Rule[]>(base, "GET", "rules", undefined, o);
}
