// Webhook notifications of run outcomes and IC updates. The run (and the server) must not wait on a
// chat service: notify() queues and returns, deliveries retry in the background with backoff, and
// whatever happens ends in a Delivery record, never in an exception or an unhandled rejection.
import type { WebhookConfig } from "../scenario/config.ts";

export type NotificationKind = "fail" | "error" | "regression" | "update";

export interface Notification {
  kind: NotificationKind;
  runId: string;
  title: string;
  text: string;
  verdict: string | null;
  scenarios: string[];
  regressions: Array<{ scenario: string; metric: string; value: number | null; baseline: number | null }>;
  reportUrl: string | null;
  at: number;
}

export interface Delivery {
  webhook: string;
  kind: string;
  ok: boolean;
  attempts: number;
  /** The last response's status; null when no response came. */
  status: number | null;
  error: string | null;
  at: number;
}

export interface NotifierOptions {
  /** Attempts in all, the first included (default 5). */
  retries?: number;
  /** Delay before the second attempt, doubling after each, capped at 30 s (default 1000). */
  backoffMs?: number;
  /** Bound on each attempt, response body included (default 5000). */
  timeoutMs?: number;
  onDelivery?(d: Delivery): void;
}

export interface Notifier {
  notify(n: Notification): void;
  /** Resolves once every delivery queued so far (and any queued meanwhile) has finished. */
  drain(): Promise<void>;
}

const MAX_DELAY_MS = 30_000;
// Slack refuses a section text over 3000 characters.
const SLACK_SECTION_MAX = 3000;

export function createNotifier(webhooks: WebhookConfig[], o: NotifierOptions = {}): Notifier {
  const attempts = Math.max(1, o.retries ?? 5);
  const backoffMs = Math.max(0, o.backoffMs ?? 1000);
  const timeoutMs = o.timeoutMs ?? 5000;
  const pending = new Set<Promise<void>>();

  function report(d: Delivery): void {
    try {
      o.onDelivery?.(d);
    } catch {
      // A listener's failure is its own; the delivery is done either way.
    }
  }

  async function deliver(w: WebhookConfig, n: Notification): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    let tried = 0;
    let body: string;
    try {
      body = JSON.stringify(w.format === "slack" ? slackBody(n) : jsonBody(n));
    } catch (err) {
      report({
        webhook: w.name,
        kind: n.kind,
        ok: false,
        attempts: 0,
        status,
        error: messageOf(err),
        at: Date.now(),
      });
      return;
    }
    const headers = new Headers({ "content-type": "application/json", "user-agent": "gameday" });
    for (const [k, v] of Object.entries(w.headers)) headers.set(k, v);

    while (tried < attempts) {
      tried++;
      let retryAfterMs: number | null = null;
      let retry: boolean;
      try {
        const res = await fetch(w.url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = res.status;
        const answer = await res.text().catch(() => "");
        if (res.ok) {
          report({
            webhook: w.name,
            kind: n.kind,
            ok: true,
            attempts: tried,
            status,
            error: null,
            at: Date.now(),
          });
          return;
        }
        error = `HTTP ${res.status}${answer ? `: ${answer.slice(0, 200)}` : ""}`;
        retry = res.status === 429 || res.status >= 500;
        retryAfterMs = retryAfter(res.headers.get("retry-after"));
      } catch (err) {
        status = null;
        error = fetchError(err, timeoutMs);
        retry = true;
      }
      if (!retry || tried >= attempts) break;
      const backoff = Math.min(backoffMs * 2 ** (tried - 1), MAX_DELAY_MS);
      await delay(retryAfterMs ?? backoff);
    }
    report({ webhook: w.name, kind: n.kind, ok: false, attempts: tried, status, error, at: Date.now() });
  }

  return {
    notify(n) {
      for (const w of webhooks) {
        if (!w.on.includes(n.kind)) continue;
        const p: Promise<void> = deliver(w, n)
          .catch(() => {})
          .finally(() => pending.delete(p));
        pending.add(p);
      }
    },
    async drain() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

const PREFIX: Record<NotificationKind, string> = {
  fail: "[FAIL]",
  error: "[ERROR]",
  regression: "[REGRESSION]",
  update: "[UPDATE]",
};

/** The message as a person reads it: status, what happened, what got worse, where to look. */
export function notificationText(n: Notification): string {
  const lines = [`${PREFIX[n.kind]} run ${n.runId}: ${n.title}`];
  if (n.text) lines.push(n.text);
  if (n.regressions.length > 0) {
    lines.push("Regressions:");
    for (const r of n.regressions) {
      lines.push(`- ${r.scenario} ${r.metric}: ${num(r.value)} (baseline ${num(r.baseline)})`);
    }
  }
  if (n.reportUrl) lines.push(`Report: ${n.reportUrl}`);
  return lines.join("\n");
}

export function slackBody(n: Notification): {
  text: string;
  blocks: Array<{ type: "section"; text: { type: "mrkdwn"; text: string } }>;
} {
  const text = notificationText(n);
  const section = text.length > SLACK_SECTION_MAX ? `${text.slice(0, SLACK_SECTION_MAX - 1)}…` : text;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: section } }] };
}

export function jsonBody(n: Notification): {
  event: NotificationKind;
  runId: string;
  title: string;
  text: string;
  verdict: string | null;
  scenarios: string[];
  regressions: Notification["regressions"];
  reportUrl: string | null;
  at: string;
  source: "gameday";
} {
  return {
    event: n.kind,
    runId: n.runId,
    title: n.title,
    text: n.text,
    verdict: n.verdict,
    scenarios: n.scenarios,
    regressions: n.regressions,
    reportUrl: n.reportUrl,
    at: new Date(n.at).toISOString(),
    source: "gameday",
  };
}

function num(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "n/a";
  return String(Number(v.toPrecision(4)));
}

/** Seconds only: an HTTP-date Retry-After is rare from webhook endpoints and falls back to backoff. */
function retryAfter(header: string | null): number | null {
  if (header === null || !/^\s*\d+(\.\d+)?\s*$/.test(header)) return null;
  return Math.min(Number(header) * 1000, MAX_DELAY_MS);
}

function fetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (err instanceof Error) {
    const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
    if (cause && typeof cause.code === "string") return `${err.message} (${cause.code})`;
    if (cause && typeof cause.message === "string") return `${err.message}: ${cause.message}`;
    return err.message;
  }
  return String(err);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
