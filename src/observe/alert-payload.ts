// What the receiver accepts: Alertmanager's webhook payload (version 4) and a plain JSON alert for
// systems without Alertmanager, validated and turned into IncomingAlert records.
import { z } from "zod";
import { type AckTarget, fingerprintOf, type IncomingAlert } from "./alert-book.ts";

/** Alertmanager writes Go's zero time for "unset". */
const ZERO_TIME = /^0001-01-01T00:00:00(?:\.0+)?Z$/;

const time = z
  .string()
  .refine((s) => ZERO_TIME.test(s) || Number.isFinite(Date.parse(s)), "not an RFC 3339 time");

function toMs(s: string | undefined): number | null {
  if (s === undefined || ZERO_TIME.test(s)) return null;
  return Date.parse(s);
}

const labelSet = z.record(z.string(), z.string());
const status = z.enum(["firing", "resolved"]);

export const webhookPayload = z.object({
  version: z.literal("4"),
  status,
  receiver: z.string(),
  alerts: z
    .array(
      z.object({
        status,
        labels: z.object({ alertname: z.string().min(1) }).catchall(z.string()),
        annotations: labelSet.default({}),
        startsAt: time,
        endsAt: time.optional(),
        fingerprint: z.string().min(1).max(128).optional(),
        generatorURL: z.string().optional(),
      }),
    )
    .max(10_000),
});

export const plainAlert = z.object({
  name: z.string().min(1).max(200),
  status: status.default("firing"),
  labels: labelSet.default({}),
  annotations: labelSet.default({}),
  /** RFC 3339 time or epoch milliseconds. */
  startsAt: z.union([time, z.number().int().nonnegative()]).optional(),
  fingerprint: z.string().min(1).max(128).optional(),
});

export const ackRequest = z.intersection(
  z.union([
    z.object({ fingerprint: z.string().min(1) }),
    z.object({ name: z.string().min(1) }),
    z.object({ all: z.literal(true) }),
  ]),
  z.object({ by: z.string().min(1).max(200), via: z.enum(["cli", "api"]).default("api") }),
);

export function fromWebhook(body: z.output<typeof webhookPayload>, receiver: string): IncomingAlert[] {
  return body.alerts.map((a) => {
    const labels: Record<string, string> = { ...a.labels };
    return {
      fingerprint: a.fingerprint ?? fingerprintOf(labels),
      name: a.labels.alertname,
      status: a.status,
      startsAt: toMs(a.startsAt),
      endsAt: toMs(a.endsAt),
      labels,
      annotations: a.annotations,
      receiver,
    };
  });
}

export function fromPlain(body: z.output<typeof plainAlert>, receiver: string): IncomingAlert {
  const labels = { ...body.labels, alertname: body.name };
  return {
    fingerprint: body.fingerprint ?? fingerprintOf(labels),
    name: body.name,
    status: body.status,
    startsAt: typeof body.startsAt === "number" ? body.startsAt : toMs(body.startsAt),
    endsAt: null,
    labels,
    annotations: body.annotations,
    receiver,
  };
}

export function ackTargetOf(body: z.output<typeof ackRequest>): AckTarget {
  if ("fingerprint" in body) return { fingerprint: body.fingerprint };
  if ("name" in body) return { name: body.name };
  return { all: true };
}

/** "alerts.0.labels.alertname: Invalid input…" for the first few issues. */
export function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join(".") : "(body)"}: ${i.message}`)
    .join("; ");
}
