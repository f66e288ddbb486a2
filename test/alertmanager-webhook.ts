// What Alertmanager POSTs to a webhook receiver (version 4), for tests that play Alertmanager in
// front of the harness's receiver: one place that knows the payload's shape.

export interface WebhookAlert {
  status?: "firing" | "resolved";
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** Alertmanager's zero time while firing. */
  endsAt?: string;
  fingerprint: string;
}

/** A firing alert named `name`, started now unless `startsAt` says otherwise. */
export function firingAlert(
  name: string,
  fingerprint: string,
  extra: Partial<WebhookAlert> = {},
): Required<WebhookAlert> {
  return {
    status: "firing",
    labels: { alertname: name },
    annotations: {},
    startsAt: new Date().toISOString(),
    endsAt: "0001-01-01T00:00:00Z",
    fingerprint,
    ...extra,
  };
}

/**
 * POSTs `alerts` to `<receiverUrl>/alerts/<receiver>` as one notification; the group is firing while
 * any of its alerts is. Returns the receiver's response.
 */
export function postAlerts(
  receiverUrl: string,
  alerts: WebhookAlert[],
  o: { receiver?: string; token?: string } = {},
): Promise<Response> {
  const receiver = o.receiver ?? "oncall";
  return fetch(`${receiverUrl}/alerts/${receiver}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
    },
    body: JSON.stringify({
      version: "4",
      status: alerts.some((a) => (a.status ?? "firing") === "firing") ? "firing" : "resolved",
      receiver,
      groupKey: "{}",
      alerts,
    }),
  });
}
