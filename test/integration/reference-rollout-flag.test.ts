// The reference service's percentage rollout of its new retrieval path, against the real processes:
// the `retrieval_v2_share` flag sends that share of requests down the re-rank path (counted by
// copilot_retrieval_requests_total), and the `rerank_capacity` defect makes that path fail once the
// share reaches 50 %, with the copilot's own record of when it started and stopped failing. The
// rollout feature's end-to-end tests depend on exactly this behaviour.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/env/process.ts";
import { type GroundTruthEvent, type ReferenceStack, startReferenceStack } from "../../src/env/reference.ts";
import { json } from "../http-json.ts";

const dir = mkdtempSync(join(tmpdir(), "gameday-reference-rollout-"));
let stack: ReferenceStack;
let copilot = "";
let n = 0;

/** A prompt never seen before, so every request misses the cache and reaches retrieval. Letters
 * only: a long digit run could be taken for a card or phone number by the guardrail. */
function fresh(): string {
  n++;
  const letters = (x: number) => [...String(x)].map((d) => "abcdefghij"[Number(d)]).join("");
  return `Which runbook covers the failing deploy (${letters(n)} ${letters(Date.now())})`;
}

interface Sent {
  status: number;
  reason?: string;
  /** When the answer arrived (wall-clock ms, as the copilot's events are stamped). */
  at: number;
}

/** `count` fresh chat requests, 10 at a time. */
async function send(count: number): Promise<Sent[]> {
  const out: Sent[] = [];
  for (let done = 0; done < count; done += 10) {
    const batch = Array.from({ length: Math.min(10, count - done) }, async () => {
      const res = await fetch(`${copilot}/v1/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: fresh(), user: "rollout" }),
      });
      const body = (await res.json()) as { reason?: string };
      return { status: res.status, reason: body.reason, at: Date.now() };
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

async function setShare(share: number): Promise<void> {
  const res = await json("PUT", `${copilot}/admin/flags`, { retrieval_v2_share: share });
  expect(res).toMatchObject({ status: 200, body: { retrieval_v2_share: share } });
}

type Counts = Record<"v1" | "v2", Record<"ok" | "error", number>>;

async function counts(): Promise<Counts> {
  const text = await (await fetch(`${copilot}/metrics`)).text();
  const value = (path: string, outcome: string): number => {
    const line = text
      .split("\n")
      .find(
        (l) =>
          l.startsWith("copilot_retrieval_requests_total{") &&
          l.includes(`path="${path}"`) &&
          l.includes(`outcome="${outcome}"`),
      );
    if (!line) throw new Error(`no copilot_retrieval_requests_total{path="${path}",outcome="${outcome}"}`);
    return Number(line.split(" ").at(-1));
  };
  return {
    v1: { ok: value("v1", "ok"), error: value("v1", "error") },
    v2: { ok: value("v2", "ok"), error: value("v2", "error") },
  };
}

async function gauge(name: string): Promise<number> {
  const text = await (await fetch(`${copilot}/metrics`)).text();
  return Number(
    text
      .split("\n")
      .find((l) => l.startsWith(`${name} `))
      ?.split(" ")[1],
  );
}

/** What `count` fresh requests added to the retrieval counters, with the answers. */
async function measure(count: number): Promise<{ sent: Sent[]; delta: Counts }> {
  const before = await counts();
  const sent = await send(count);
  const after = await counts();
  const d = (p: "v1" | "v2", o: "ok" | "error") => after[p][o] - before[p][o];
  return {
    sent,
    delta: {
      v1: { ok: d("v1", "ok"), error: d("v1", "error") },
      v2: { ok: d("v2", "ok"), error: d("v2", "error") },
    },
  };
}

async function events(type: string, since = 0): Promise<GroundTruthEvent[]> {
  return (await stack.groundTruth()).filter((e) => e.type === type && e.t >= since);
}

beforeAll(async () => {
  stack = await startReferenceStack({
    logDir: join(dir, "logs"),
    dataDir: join(dir, "env"),
    // Nothing listens here: this file does not look at alert delivery.
    receiverUrl: "http://127.0.0.1:9",
  });
  copilot = stack.config.services.find((s) => s.name === "copilot")!.url;
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("retrieval_v2_share and the rerank_capacity defect", () => {
  it("defaults to 100 % and rejects shares outside 0..100 at the copilot and the flags service", async () => {
    expect((await json("GET", `${copilot}/admin/flags`)).body).toMatchObject({ retrieval_v2_share: 100 });
    expect(await gauge("copilot_retrieval_v2_share")).toBe(100);
    const flags = stack.config.services.find((s) => s.name === "flags")!.url;
    for (const bad of [-1, 100.5, "50", null]) {
      expect((await json("PUT", `${copilot}/admin/flags`, { retrieval_v2_share: bad })).status).toBe(400);
      expect((await json("PUT", `${flags}/flags`, { retrieval_v2_share: bad })).status).toBe(400);
    }
    expect((await json("GET", `${flags}/flags`)).body).toMatchObject({ retrieval_v2_share: 100 });

    // Set on the flags service directly, the copilot takes it up on its next read (every 500 ms).
    const putAt = Date.now();
    expect((await json("PUT", `${flags}/flags`, { retrieval_v2_share: 30 })).status).toBe(200);
    let changed: GroundTruthEvent[] = [];
    while (changed.length === 0 && Date.now() - putAt < 3_000) {
      await sleep(100);
      changed = await events("v2_share_changed", putAt);
    }
    expect(changed.map((e) => e.detail)).toEqual([{ from: 100, to: 30 }]);
    expect(changed[0]!.t - putAt).toBeLessThan(1_500);
    expect(await gauge("copilot_retrieval_v2_share")).toBe(30);
    await setShare(100);
  });

  it("sends none, about half, then all of the requests down the re-rank path", async () => {
    const t0 = Date.now();
    await setShare(0);
    expect(await gauge("copilot_retrieval_v2_share")).toBe(0);
    const none = await measure(40);
    expect(none.sent.every((s) => s.status === 200)).toBe(true);
    expect(none.delta).toEqual({ v1: { ok: 40, error: 0 }, v2: { ok: 0, error: 0 } });

    await setShare(50);
    const half = await measure(80);
    expect(half.sent.every((s) => s.status === 200)).toBe(true);
    expect(half.delta.v1.ok + half.delta.v2.ok).toBe(80);
    // Binomial(80, 0.5): outside 20..60 is more than four standard deviations out.
    expect(half.delta.v2.ok).toBeGreaterThanOrEqual(20);
    expect(half.delta.v2.ok).toBeLessThanOrEqual(60);

    await setShare(100);
    const all = await measure(30);
    expect(all.delta).toEqual({ v1: { ok: 0, error: 0 }, v2: { ok: 30, error: 0 } });

    expect((await events("v2_share_changed", t0)).map((e) => e.detail)).toEqual([
      { from: 100, to: 0 },
      { from: 0, to: 50 },
      { from: 50, to: 100 },
    ]);
  });

  it("fails the re-rank path with 500 from a 50 % share while rerank_capacity is on, and recovers below", async () => {
    await stack.setDefect("rerank_capacity", true);
    try {
      await setShare(40);
      const below = await measure(40);
      expect(below.sent.every((s) => s.status === 200)).toBe(true);
      expect(below.delta.v2.ok).toBeGreaterThan(0);
      expect(below.delta.v2.error + below.delta.v1.error).toBe(0);

      const putAt = Date.now();
      await setShare(50);
      const at50 = await measure(60);
      const failed = at50.sent.filter((s) => s.status !== 200);
      // Each failure is a v2 request and every v2 request failed; every v1 one was answered.
      expect(failed.every((s) => s.status === 500 && s.reason === "rerank")).toBe(true);
      expect(failed.length).toBe(at50.delta.v2.error);
      expect(at50.delta.v2.ok).toBe(0);
      expect(at50.delta.v1).toEqual({ ok: 60 - failed.length, error: 0 });
      expect(failed.length).toBeGreaterThanOrEqual(15);
      const firstFailure = Math.min(...failed.map((s) => s.at));
      const failing = await events("rerank_failing", putAt);
      expect(failing).toHaveLength(1);
      expect(failing[0]!.detail).toMatchObject({ share: 50 });
      expect(failing[0]!.t).toBeGreaterThanOrEqual(putAt);
      expect(failing[0]!.t).toBeLessThanOrEqual(firstFailure);

      const backAt = Date.now();
      await setShare(10);
      // At 10 % a batch can hold no v2 request at all; send until a few have been answered.
      let v2ok = 0;
      let sentBack = 0;
      while (v2ok < 3 && sentBack < 300) {
        const r = await measure(30);
        sentBack += 30;
        expect(r.sent.every((s) => s.status === 200)).toBe(true);
        expect(r.delta.v1.error + r.delta.v2.error).toBe(0);
        v2ok += r.delta.v2.ok;
      }
      expect(v2ok).toBeGreaterThanOrEqual(3);
      const recovered = await events("rerank_recovered", backAt);
      expect(recovered).toHaveLength(1);
      expect(recovered[0]!.detail).toMatchObject({ share: 10 });
      expect(await events("rerank_failing", backAt)).toEqual([]);
      expect((await events("v2_share_changed", putAt)).map((e) => e.detail)).toEqual([
        { from: 40, to: 50 },
        { from: 50, to: 10 },
      ]);
    } finally {
      await stack.setDefect("rerank_capacity", false);
    }
  });
});
