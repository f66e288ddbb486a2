import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsOf, Journal, readJournal } from "../../src/engine/journal.ts";
import { freePort } from "../../src/env/process.ts";
import { AlertBook } from "../../src/observe/alert-book.ts";
import { type AlertReceiver, startAlertReceiver } from "../../src/observe/receiver.ts";
import { tempDirs } from "../temp-dirs.ts";
import { type GamedayExit, spawnGameday, waitFor } from "../gameday-child.ts";
import { firingAlert, postAlerts } from "../alertmanager-webhook.ts";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "gameday-cli-ack-"));
const TOKEN = "s3cret-token";

/** The CLI as a child process; asynchronous, since the receiver it talks to lives in this process. */
function gameday(...args: string[]): Promise<GamedayExit> {
  return gamedayIn(root, args);
}

function gamedayIn(cwd: string, args: string[]): Promise<GamedayExit> {
  return spawnGameday(args, { cwd }).ended;
}

const firing = (name: string, fingerprint: string) =>
  firingAlert(name, fingerprint, {
    labels: { alertname: name, severity: "page" },
    annotations: { summary: `${name} is firing` },
  });

describe("gameday ack against a running receiver", () => {
  let journal: Journal;
  let rx: AlertReceiver;

  beforeAll(async () => {
    journal = new Journal(join(dir, "journal.jsonl"));
    rx = await startAlertReceiver({ journal, book: new AlertBook(), token: TOKEN });
    const res = await postAlerts(
      rx.url,
      [firing("LLMProviderDown", "00000000000000a1"), firing("CacheHitLow", "00000000000000b2")],
      { token: TOKEN },
    );
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
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("acknowledged 00000000000000a1 as alice");
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
    expect(again.stdout).toContain("no matching firing alert to acknowledge");
    const all = await gameday("ack", "--all", "--receiver", rx.url, "--token", TOKEN, "--by", "bob");
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("acknowledged 00000000000000b2 as bob");
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
    expect(r.stderr).toMatch(/requires a bearer token \(--token\)/);
    expect(eventsOf(readJournal(journal.path).entries, "alert.ack")).toHaveLength(before);
  });

  it("with no receiver answering: a message saying no run is going, exit 3", async () => {
    const port = await freePort();
    const r = await gameday("ack", "--all", "--receiver", `http://127.0.0.1:${port}`);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /no alert receiver answering at http:\/\/127\.0\.0\.1:\d+ \(is a gameday run going\?\)/,
    );
  });

  it("usage errors exit 2: neither an alert nor --all, or both", async () => {
    const none = await gameday("ack", "--receiver", rx.url);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/name an alert \(fingerprint or alert name\) or pass --all/);
    const both = await gameday("ack", "X", "--all", "--receiver", rx.url);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either an alert or --all, not both/);
  });
});

describe("a run prints each alert with the gameday ack command that acknowledges it", () => {
  const runDirs = tempDirs();
  afterAll(() => runDirs.removeAll());

  /**
   * Runs a scenario without auto-responder whose receiver listens on a port picked at run time
   * (listen port 0, as the reference stack does), sends it an alert as Alertmanager does (twice:
   * Alertmanager repeats), runs the printed ack command as printed from the run's folder, then
   * resolves the alert. Returns the run's output and the ack's.
   */
  async function alertDuringRun(o: { configFile?: string; token?: string; out?: string }) {
    const work = runDirs.make("gameday-cli-ack-run-");
    const configName = o.configFile ?? "gameday.config.ts";
    writeFileSync(
      join(work, configName),
      `import { defineConfig } from "gameday";
export default defineConfig({ provider: "external", receiver: { listen: "127.0.0.1:0"${o.token ? `, token: "${o.token}"` : ""} } });
`,
    );
    writeFileSync(
      join(work, "quiet.ts"),
      `import { defineScenario } from "gameday";
export default defineScenario({ id: "quiet", title: "Quiet", owner: "SRE", hypothesis: "a page reaches the terminal", duration: "60s" });
`,
    );
    const run = spawnGameday(
      [
        "run",
        "quiet.ts",
        "--no-record",
        ...(o.configFile ? ["--config", o.configFile] : []),
        ...(o.out ? ["--out", o.out] : []),
      ],
      { cwd: work },
    );
    try {
      const context = () => run.output();
      const receiverUrl = await waitFor(
        "the receiver's address",
        () => /alert receiver on (http:\/\/\S+)/.exec(run.output())?.[1],
        { context },
      );
      const notify = async (status: "firing" | "resolved") => {
        const alert = { ...firing("LLMProviderDown", "00000000000000c3"), startsAt: "2026-01-01T00:00:00Z" };
        const res = await postAlerts(
          receiverUrl,
          [{ ...alert, status, ...(status === "resolved" ? { endsAt: new Date().toISOString() } : {}) }],
          { token: o.token },
        );
        expect(res.status).toBe(200);
      };
      await notify("firing");
      await notify("firing");
      const command = await waitFor(
        "the firing line",
        () =>
          /alert firing: LLMProviderDown \(receiver oncall, fingerprint 00000000000000c3\); acknowledge: (.+)/.exec(
            run.output(),
          )?.[1],
        { context },
      );
      const [program, ...args] = command.split(" ");
      expect(program).toBe("gameday");
      const ack = await gamedayIn(work, args);
      await waitFor("the ack line", () => (run.output().includes("alert acknowledged") ? true : undefined), {
        context,
      });
      await notify("resolved");
      await waitFor("the resolved line", () => (run.output().includes("alert resolved") ? true : undefined), {
        context,
      });
      await run.stop();
      const runDir = /→ (\S+)/.exec(run.output())?.[1];
      return { command, args, ack, output: run.output(), receiverUrl, runDir: runDir! };
    } finally {
      await run.stop();
    }
  }

  it("with the run's own gameday.config.ts: the bare command (ack finds the run's receiver), which acknowledges; each change printed once", async () => {
    const r = await alertDuringRun({});
    expect(r.command).toBe("gameday ack 00000000000000c3");
    expect(r.ack.stderr).toBe("");
    expect(r.ack.code).toBe(0);
    expect(r.ack.stdout).toContain("acknowledged 00000000000000c3 as");
    expect(r.output.match(/alert firing: /g)).toHaveLength(1);
    expect(r.output.match(/alert resolved: LLMProviderDown/g)).toHaveLength(1);
    expect(r.output).toMatch(
      /alert acknowledged: LLMProviderDown \(fingerprint 00000000000000c3\) by \S+ via cli\n/,
    );
    const acks = eventsOf(readJournal(join(r.runDir, "journal.jsonl")).entries, "alert.ack");
    expect(acks).toMatchObject([{ fingerprint: "00000000000000c3", via: "cli", synthetic: false }]);
  }, 60_000);

  it("with --out elsewhere than the config's reportsDir: the command names the receiver the run bound", async () => {
    const r = await alertDuringRun({ out: "elsewhere" });
    expect(r.command).toBe(`gameday ack 00000000000000c3 --receiver ${r.receiverUrl}`);
    expect(r.receiverUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.ack.stderr).toBe("");
    expect(r.ack.code).toBe(0);
    const acks = eventsOf(readJournal(join(r.runDir, "journal.jsonl")).entries, "alert.ack");
    expect(acks).toMatchObject([{ fingerprint: "00000000000000c3", via: "cli", synthetic: false }]);
  }, 60_000);

  it("with --config naming a receiver token: the command names that config, and ack takes the token from it", async () => {
    const r = await alertDuringRun({ configFile: "staging.config.ts", token: TOKEN });
    expect(r.args).toEqual(["ack", "00000000000000c3", "--config", "staging.config.ts"]);
    // No token on the command line (it would land in logs): ack read it from the config.
    expect(r.command).not.toContain(TOKEN);
    expect(r.ack.stderr).toBe("");
    expect(r.ack.code).toBe(0);
    const acks = eventsOf(readJournal(join(r.runDir, "journal.jsonl")).entries, "alert.ack");
    expect(acks).toMatchObject([{ fingerprint: "00000000000000c3", via: "cli", synthetic: false }]);
  }, 60_000);
});
