// The alert receiver over real HTTP on loopback: intake, journalling order, hardening and acks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventsOf, Journal, readJournal } from "../../src/engine/journal.ts";
import { sleep } from "../../src/env/process.ts";
import { sendAck, startAutoAck } from "../../src/observe/ack.ts";
import { AlertBook, fingerprintOf } from "../../src/observe/alert-book.ts";
import { type AlertReceiver, MAX_BODY_BYTES, startAlertReceiver } from "../../src/observe/receiver.ts";

const dir = mkdtempSync(join(tmpdir(), "gameday-receiver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
let journal: Journal;
let book: AlertBook;
let rx: AlertReceiver;

beforeEach(async () => {
  journal = new Journal(join(dir, `j${++n}.jsonl`));
  book = new AlertBook();
  rx = await startAlertReceiver({ journal, book });
});
afterEach(async () => {
  await rx.close();
  journal.close();
});

function webhook(alerts: Array<Record<string, unknown>>, status = "firing") {
  return { version: "4", status, receiver: "default", groupKey: "{}", alerts };
}
const amAlert = (over: Record<string, unknown> = {}) => ({
  status: "firing",
  labels: { alertname: "Demo", severity: "page" },
  annotations: { summary: "s" },
  startsAt: "2026-01-02T03:04:05.678Z",
  endsAt: "0001-01-01T00:00:00Z",
  fingerprint: "0123456789abcdef",
  generatorURL: "http://prom/graph",
  ...over,
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(rx.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("alert intake", () => {
  it("journals a webhook alert before answering, converts times, ignores duplicates, tracks resolve", async () => {
    const r = await post("/alerts/default", webhook([amAlert()]));
    expect(r).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 } });
    // Read straight from disk: the line must be there by the time the 200 arrived.
    const [ev] = eventsOf(readJournal(journal.path).entries, "alert.received");
    expect(ev).toMatchObject({
      fingerprint: "0123456789abcdef",
      name: "Demo",
      status: "firing",
      startsAt: Date.parse("2026-01-02T03:04:05.678Z"),
      endsAt: null,
      receiver: "default",
      labels: { alertname: "Demo", severity: "page" },
    });
    expect((await post("/alerts/default", webhook([amAlert()]))).body).toEqual({
      accepted: 0,
      duplicates: 1,
    });
    const resolved = amAlert({ status: "resolved", endsAt: "2026-01-02T03:05:00Z" });
    expect((await post("/alerts/default", webhook([resolved], "resolved"))).body).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    const evs = eventsOf(readJournal(journal.path).entries, "alert.received");
    expect(evs.map((e) => e.status)).toEqual(["firing", "resolved"]);
    expect(evs[1]?.endsAt).toBe(Date.parse("2026-01-02T03:05:00Z"));
    expect(book.firing()).toHaveLength(0);
  });

  it("ignores a late firing retry of an episode that already resolved", async () => {
    await post("/alerts/default", webhook([amAlert()]));
    await post("/alerts/default", webhook([amAlert({ status: "resolved" })], "resolved"));
    expect((await post("/alerts/default", webhook([amAlert()]))).body).toEqual({
      accepted: 0,
      duplicates: 1,
    });
    expect(book.firing()).toHaveLength(0);
    // Without a startsAt there is no way to tell, so a plain alert may fire again.
    await post("/alerts/ops/plain", { name: "P" });
    await post("/alerts/ops/plain", { name: "P", status: "resolved" });
    expect((await post("/alerts/ops/plain", { name: "P" })).body.accepted).toBe(1);
  });

  it("records Alertmanager's zero startsAt as null and derives a fingerprint when absent", async () => {
    const a = amAlert({ startsAt: "0001-01-01T00:00:00Z", fingerprint: undefined });
    await post("/alerts/sec", webhook([a]));
    const [ev] = eventsOf(readJournal(journal.path).entries, "alert.received");
    expect(ev?.startsAt).toBeNull();
    expect(ev?.receiver).toBe("sec");
    expect(ev?.fingerprint).toBe(fingerprintOf({ severity: "page", alertname: "Demo" }));
    expect(ev?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("accepts plain alerts with epoch-ms or RFC 3339 startsAt", async () => {
    expect(
      (await post("/alerts/ops/plain", { name: "Disk", labels: { host: "a" }, startsAt: 1_700_000_000_000 }))
        .status,
    ).toBe(200);
    expect(
      (await post("/alerts/ops/plain", { name: "Disk", labels: { host: "a" }, startsAt: 1_700_000_000_000 }))
        .body.duplicates,
    ).toBe(1);
    await post("/alerts/ops/plain", {
      name: "Disk",
      labels: { host: "a" },
      status: "resolved",
      startsAt: 1_700_000_000_000,
    });
    const evs = eventsOf(readJournal(journal.path).entries, "alert.received");
    expect(evs.map((e) => [e.name, e.status, e.startsAt, e.labels.alertname])).toEqual([
      ["Disk", "firing", 1_700_000_000_000, "Disk"],
      ["Disk", "resolved", 1_700_000_000_000, "Disk"],
    ]);
  });

  it("answers 500 when the journal cannot be written, keeps the book unchanged, and accepts the retry", async () => {
    const broken = new Journal(join(dir, "broken.jsonl"));
    broken.close();
    const book2 = new AlertBook();
    const rx2 = await startAlertReceiver({ journal: broken, book: book2 });
    try {
      const res = await fetch(`${rx2.url}/alerts/default`, {
        method: "POST",
        body: JSON.stringify(webhook([amAlert()])),
      });
      expect(res.status).toBe(500);
      expect(book2.list()).toHaveLength(0);
    } finally {
      await rx2.close();
    }
  });
});

describe("hardening", () => {
  it("refuses a non-loopback bind without a token", async () => {
    await expect(startAlertReceiver({ host: "0.0.0.0", book })).rejects.toThrow(/without a token/);
  });

  it("requires the bearer token when one is set", async () => {
    const rx2 = await startAlertReceiver({ book, journal, token: "s3cret" });
    try {
      const body = JSON.stringify(webhook([amAlert()]));
      expect((await fetch(`${rx2.url}/alerts/x`, { method: "POST", body })).status).toBe(401);
      const wrong = { authorization: "Bearer s3creT" };
      expect((await fetch(`${rx2.url}/alerts/x`, { method: "POST", body, headers: wrong })).status).toBe(401);
      const right = { authorization: "Bearer s3cret" };
      expect((await fetch(`${rx2.url}/alerts/x`, { method: "POST", body, headers: right })).status).toBe(200);
      expect((await fetch(`${rx2.url}/healthz`)).status).toBe(200);
    } finally {
      await rx2.close();
    }
  });

  it("rejects oversized, malformed, mis-shaped and misrouted requests with a reason", async () => {
    const big = await fetch(`${rx.url}/alerts/x`, { method: "POST", body: "x".repeat(MAX_BODY_BYTES + 1) });
    expect(big.status).toBe(413);
    const badJson = await post("/alerts/x", "{nope");
    expect(badJson.status).toBe(400);
    expect(badJson.body.error).toMatch(/malformed JSON/);
    const shape = await post("/alerts/x", webhook([amAlert({ labels: { severity: "x" } })]));
    expect(shape.status).toBe(400);
    expect(shape.body.error).toMatch(/alerts\.0\.labels\.alertname: /);
    const version = await post("/alerts/x", { ...webhook([]), version: "3" });
    expect(version.body.error).toMatch(/^invalid payload: version: /);
    expect((await post("/nowhere", {})).status).toBe(404);
    expect((await post("/alerts/a/b/c", {})).status).toBe(404);
    expect((await fetch(`${rx.url}/alerts/x`)).status).toBe(405);
    expect(journal.path && eventsOf(readJournal(journal.path).entries, "alert.received")).toHaveLength(0);
  });

  it("never answers 5xx or dies on arbitrary bodies and paths", async () => {
    const paths = ["/alerts/default", "/alerts/default/plain", "/ack", "/alerts", "/x"];
    const json = fc.jsonValue().map((v) => JSON.stringify(v));
    const near = fc
      .record({
        version: fc.constantFrom("4", 4),
        status: fc.string(),
        alerts: fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 3 }),
      })
      .map((v) => JSON.stringify(v));
    const bytes = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1"));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(json, near, bytes), async (path, body) => {
        const res = await fetch(rx.url + path, { method: "POST", body });
        await res.arrayBuffer();
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    expect((await fetch(`${rx.url}/alerts`)).status).toBe(200);
  });
});

describe("acknowledgements", () => {
  it("acks by name, fingerprint and all; the first ack counts; GET /alerts shows it", async () => {
    await post(
      "/alerts/default",
      webhook([amAlert(), amAlert({ labels: { alertname: "Other" }, fingerprint: "fedcba9876543210" })]),
    );
    const byName = await sendAck(rx.url, { name: "Demo" }, { by: "alice", via: "cli" });
    expect(byName.acked).toEqual(["0123456789abcdef"]);
    const again = await sendAck(rx.url, { fingerprint: "0123456789abcdef" }, { by: "bob" });
    expect(again).toMatchObject({ acked: [], already: ["0123456789abcdef"] });
    const all = await sendAck(rx.url, { all: true }, { by: "carol", via: "api" });
    expect(all.acked).toEqual(["fedcba9876543210"]);
    const acks = eventsOf(readJournal(journal.path).entries, "alert.ack");
    expect(acks.map((a) => [a.name, a.by, a.via, a.synthetic])).toEqual([
      ["Demo", "alice", "cli", false],
      ["Other", "carol", "api", false],
    ]);
    const listed = (await (await fetch(`${rx.url}/alerts`)).json()) as {
      alerts: Array<{ name: string; ack: { by: string } | null }>;
    };
    expect(listed.alerts.map((a) => [a.name, a.ack?.by])).toEqual([
      ["Demo", "alice"],
      ["Other", "carol"],
    ]);
  });

  it("sendAck explains a missing token and a missing receiver", async () => {
    const rx2 = await startAlertReceiver({ book, token: "t" });
    try {
      await expect(sendAck(rx2.url, { all: true }, { by: "x" })).rejects.toThrow(/requires a bearer token/);
      expect((await sendAck(rx2.url, { all: true }, { by: "x", token: "t" })).acked).toEqual([]);
    } finally {
      await rx2.close();
    }
    await expect(sendAck(rx2.url, { all: true }, { by: "x" })).rejects.toThrow(/no alert receiver answering/);
  });

  it("a new firing episode after resolve needs a new ack", async () => {
    await post("/alerts/default", webhook([amAlert()]));
    await sendAck(rx.url, { name: "Demo" }, { by: "a" });
    await post("/alerts/default", webhook([amAlert({ status: "resolved" })], "resolved"));
    await post("/alerts/default", webhook([amAlert({ startsAt: "2026-01-02T04:00:00Z" })]));
    expect(book.get("0123456789abcdef")?.ack).toBeNull();
    expect((await sendAck(rx.url, { name: "Demo" }, { by: "b" })).acked).toHaveLength(1);
  });

  it("the auto-responder acks each new firing alert after afterMs, synthetic, unless a person was first", async () => {
    const auto = startAutoAck(book, { afterMs: 150, journal });
    try {
      const t0 = Date.now();
      await post(
        "/alerts/default",
        webhook([amAlert(), amAlert({ labels: { alertname: "Human" }, fingerprint: "1111111111111111" })]),
      );
      await sendAck(rx.url, { name: "Human" }, { by: "dave" });
      await sleep(400);
      const acks = eventsOf(readJournal(journal.path).entries, "alert.ack");
      expect(acks.map((a) => [a.name, a.by, a.via, a.synthetic])).toEqual([
        ["Human", "dave", "cli", false],
        ["Demo", "auto-responder", "auto", true],
      ]);
      const autoAck = acks[1]!;
      expect(autoAck.t - t0).toBeGreaterThanOrEqual(140);
      expect(autoAck.t - t0).toBeLessThan(400);
    } finally {
      auto.stop();
    }
  });
});
