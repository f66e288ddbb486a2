// Who may use gameday's JSON APIs (`gameday serve`, `gameday rollout serve`) and what a POST must
// look like. Loopback by default; bound anywhere else a server refuses to start without a bearer
// token. With a token, every request needs it. Without one, only requests addressed to a loopback
// name are answered. Every POST must be JSON (which also keeps other web pages from posting to it:
// a cross-site JSON post needs a preflight these servers never grant).
import type { IncomingMessage } from "node:http";
import { isLoopback } from "../env/hosts.ts";
import { allowMethod, bearerMatches, HttpError, readJsonBody } from "./json-endpoint.ts";

/** API bodies are small: a scenario list, a name, a reason, an update's text, a gate's metrics. */
export const API_BODY_LIMIT = 64 * 1024;

/** The last guard before binding: off loopback, a server without a token does not start. */
export function refuseOpenListen(what: string, host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token)
    throw new Error(
      `${what}: refusing to listen on ${host} without a token (set serve.token or --token, or bind to 127.0.0.1)`,
    );
}

/**
 * Whether the request carries the token: `Authorization: Bearer <token>`, or for a GET the query
 * parameter `access_token` (EventSource and report links in a browser cannot set a header).
 * Without a token every request passes.
 */
export function tokenAccepted(req: IncomingMessage, url: URL, token: string | undefined): boolean {
  if (!token) return true;
  if (bearerMatches(req.headers.authorization, token)) return true;
  const q = url.searchParams.get("access_token");
  return req.method === "GET" && q !== null && bearerMatches(`Bearer ${q}`, token);
}

/**
 * Without a token, only requests addressed to a loopback name are served: a web page that
 * rebinds its own DNS name to 127.0.0.1 still sends that name as Host, and is refused.
 */
export function loopbackHost(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (!host) return false;
  try {
    return isLoopback(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

/** 401 without the token (when there is one), 403 for a non-loopback Host (when there is none). */
export function requireApiAccess(req: IncomingMessage, url: URL, token: string | undefined): void {
  if (!tokenAccepted(req, url, token)) throw new HttpError(401, "missing or wrong bearer token");
  if (!token && !loopbackHost(req))
    throw new HttpError(
      403,
      `this server has no token, so it answers only requests addressed to a loopback name, not ${req.headers.host ?? "no Host"}`,
    );
}

/** A POST's JSON body: 405 for another method, 415 for another content type, 413 over `limit`, 400 malformed. */
export async function readJsonPost(req: IncomingMessage, limit = API_BODY_LIMIT): Promise<unknown> {
  allowMethod(req, "POST");
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) {
    req.resume();
    throw new HttpError(
      415,
      `send the body as JSON (content-type: application/json), not ${type || "no type"}`,
    );
  }
  return readJsonBody(req, limit);
}
