// A client for the HTTP fault proxy's control API (/__gameday/ on the proxy's own port).
import http from "node:http";
import https from "node:https";
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

// Rule changes sit on the timeline's critical path (the apply p99 target is 5 ms): one kept-alive
// connection per proxy avoids fetch's per-call setup, which alone cost about a millisecond.
const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const proto = url.protocol === "https:" ? "https:" : "http:";
  const request = proto === "https:" ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: agents[proto], timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
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
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {
    ...(payload === undefined
      ? {}
      : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }),
    ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
  };
  let res: { status: number; text: string };
  try {
    res = await send(new URL(url), method, headers, payload, o.timeoutMs ?? 5_000);
  } catch (err) {
    throw new ProxyUnreachableError(base, (err as Error).message);
  }
  if (res.status < 200 || res.status >= 300)
    throw new Error(`HTTP fault proxy ${method} ${url} answered ${res.status}: ${res.text.slice(0, 300)}`);
  return JSON.parse(res.text) as T;
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
