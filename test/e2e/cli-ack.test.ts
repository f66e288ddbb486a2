// `gameday ack` as an on-call engineer types it, against a real receiver on loopback: the ack lands in
// the run's journal as a human (not synthetic) acknowledgement, and every way it can go wrong gets its
// own message and exit code.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsOf, Journal, readJournal } from "../../src/engine/journal.ts";
import { freePort } from "../../src/env/process.ts";
import { AlertBook } from "../../src/observe/alert-book.ts";
import { type AlertReceiver, startAlertReceiver } from "../../src/observe/receiver.ts";

const root = resolve(import.meta.dirname, "../..");
const main = join(root, "src/cli/main.ts");
const dir = mkdtempSync(join(tmpdir(), "gameday-cli-ack-"));
const TOKEN = "s3cret-token";

/** The CLI as a child process; asynchronous, since the receiver it talks to lives in this process. */
function gameday(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", main, ...args], {
      cwd: root,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c;
    });
    child.on("close", (code) => resolveRun({ code, out, err }));
  });
}

const firing = (name: string, fingerprint: string) => ({
  status: "firing",
  labels: { alertname: name, severity: "page" },
  annotations: { summary: `${name} is firing` },
  startsAt: new Date().toISOString(),
  endsAt: "0001-01-01T00:00:00Z",
  fingerprint,
});

describe("gameday ack against a running receiver", () => {
  let journal: Journal;
  let rx: AlertReceiver;

  beforeAll(async () => {
    journal = new Journal(join(dir, "journal.jsonl"));
    rx = await startAlertReceiver({ journal, book: new AlertBook(), token: TOKEN });
    const res = await fetch(`${rx.url}/alerts/oncall`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        version: "4",
        status: "firing",
        receiver: "oncall",
        groupKey: "{}",
        alerts: [firing("LLMProviderDown", "00000000000000a1"), firing("CacheHitLow", "00000000000000b2")],
      }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await rx.close();
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("acknowledges an alert by name as the named engineer; the journal records a human ack via the CLI", async () => {
    const r = await gameday(
      "ack",
      "LLMProviderDown",
      "--receiver",
      rx.url,
      "--token",
      TOKEN,
      "--by",
      "alice",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("acknowledged 00000000000000a1 as alice");
    const acks = eventsOf(readJournal(journal.path).entries, "alert.ack");
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ name: "LLMProviderDown", by: "alice", via: "cli", synthetic: false });
  });

  it("a second ack of the same alert changes nothing and exits 1; --all then takes the rest", async () => {
    const again = await gameday(
      "ack",
      "00000000000000a1",
      "--receiver",
      rx.url,
      "--token",
      TOKEN,
      "--by",
      "bob",
    );
    expect(again.code).toBe(1);
    expect(again.out).toContain("no matching firing alert to acknowledge");
    const all = await gameday("ack", "--all", "--receiver", rx.url, "--token", TOKEN, "--by", "bob");
    expect(all.code).toBe(0);
    expect(all.out).toContain("acknowledged 00000000000000b2 as bob");
    const acks = eventsOf(readJournal(journal.path).entries, "alert.ack");
    expect(acks.map((a) => [a.name, a.by])).toEqual([
      ["LLMProviderDown", "alice"],
      ["CacheHitLow", "bob"],
    ]);
  });

  it("without the receiver's token: a message naming --token, exit 3, and no ack journalled", async () => {
    const before = eventsOf(readJournal(journal.path).entries, "alert.ack").length;
    const r = await gameday("ack", "--all", "--receiver", rx.url, "--by", "mallory");
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/requires a bearer token \(--token\)/);
    expect(eventsOf(readJournal(journal.path).entries, "alert.ack")).toHaveLength(before);
  });

  it("with no receiver answering: a message saying no run is going, exit 3", async () => {
    const port = await freePort();
    const r = await gameday("ack", "--all", "--receiver", `http://127.0.0.1:${port}`);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      /no alert receiver answering at http:\/\/127\.0\.0\.1:\d+ \(is a gameday run going\?\)/,
    );
  });

  it("usage errors exit 2: neither an alert nor --all, or both", async () => {
    const none = await gameday("ack", "--receiver", rx.url);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/name an alert \(fingerprint or alert name\) or pass --all/);
    const both = await gameday("ack", "X", "--all", "--receiver", rx.url);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/either an alert or --all, not both/);
  });
});
