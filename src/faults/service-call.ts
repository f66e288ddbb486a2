// One HTTP call to a service named in the config (flag flips, price changes, runbook steps, smoke
// tests): JSON body, a timeout, and an error that names the service, URL and status.
import type { GamedayConfig } from "../scenario/config.ts";

export interface ServiceCall {
  method: string;
  path: string;
  body?: unknown;
  /** Exact status expected; any 2xx when absent. */
  expectStatus?: number;
}

export interface ServiceAnswer {
  status: number;
  text: string;
  /** The body parsed as JSON, or the text when it is not JSON, or undefined when empty. */
  value: unknown;
}

export function serviceUrl(config: GamedayConfig, target: string, path: string): string {
  const s = config.services.find((x) => x.name === target);
  if (!s) throw new Error(`no service "${target}" in the config`);
  return `${s.url.replace(/\/$/, "")}${path}`;
}

export async function callService(
  config: GamedayConfig,
  target: string,
  call: ServiceCall,
  signal?: AbortSignal,
): Promise<ServiceAnswer> {
  const url = serviceUrl(config, target, call.path);
  const hasBody = call.body !== undefined && call.method !== "GET";
  const timeout = AbortSignal.timeout(10_000);
  let res: Response;
  try {
    res = await fetch(url, {
      method: call.method,
      headers: hasBody ? { "content-type": "application/json" } : {},
      body: hasBody ? JSON.stringify(call.body) : undefined,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    throw new Error(`service "${target}" ${call.method} ${url} unreachable: ${(err as Error).message}`);
  }
  const text = await res.text();
  const ok = call.expectStatus !== undefined ? res.status === call.expectStatus : res.ok;
  if (!ok) {
    throw new Error(
      `service "${target}" ${call.method} ${url} answered ${res.status}${call.expectStatus ? ` (expected ${call.expectStatus})` : ""}: ${text.slice(0, 200)}`,
    );
  }
  let value: unknown;
  try {
    value = text ? JSON.parse(text) : undefined;
  } catch {
    value = text;
  }
  return { status: res.status, text, value };
}
