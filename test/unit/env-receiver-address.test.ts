import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventsOf, Journal, readJournal } from "../../src/engine/journal.ts";
import { writeResolvedConfig } from "../../src/engine/resolved-config.ts";
import { splitHostPort } from "../../src/env/hosts.ts";
import { alive } from "../../src/env/process.ts";
import { concreteListen, recordedReceiver } from "../../src/env/receiver-address.ts";
import { readEnvState } from "../../src/env/state.ts";
import { AlertBook } from "../../src/observe/alert-book.ts";
import { type AlertReceiver, startAlertReceiver } from "../../src/observe/receiver.ts";
import { configSchema } from "../../src/scenario/config.ts";
import { acquireRunLock } from "../../src/serve/run-lock.ts";
import { type GamedayExit, spawnGameday } from "../gameday-child.ts";
import { firingAlert, postAlerts } from "../alertmanager-webhook.ts";

const work = mkdtempSync(join(tmpdir(), "gameday-receiver-address-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function folder(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The CLI in `cwd`, asynchronous: the receiver it talks to lives in this process. */
function gameday(cwd: string, ...args: string[]): Promise<GamedayExit> {
  return spawnGameday(args, { cwd }).ended;
}

/** A receiver as a run binds it, with one firing alert delivered the way Alertmanager does. */
async function receiverWithAlert(
  dir: string,
  listen: string,
  fingerprint: string,
): Promise<{ rx: AlertReceiver; journal: Journal }> {
  const journal = new Journal(join(dir, "journal.jsonl"));
  const { host, port } = splitHostPort(listen);
  const rx = await startAlertReceiver({ host, port, journal, book: new AlertBook() });
  const res = await postAlerts(rx.url, [firingAlert("LLMProviderDown", fingerprint)]);
  expect(res.status).toBe(200);
  return { rx, journal };
}

function ackedBy(journal: Journal): string[] {
  return eventsOf(readJournal(journal.path).entries, "alert.ack").map((a) => `${a.fingerprint} ${a.by}`);
}

describe("the receiver's default address", () => {
  it("is a free port (port 0) for the reference stack, 9095 otherwise; a configured one wins", () => {
    expect(configSchema.parse({ provider: "reference" }).receiver.listen).toBe("127.0.0.1:0");
    expect(configSchema.parse({}).receiver.listen).toBe("127.0.0.1:9095");
    expect(configSchema.parse({ provider: "local" }).receiver.listen).toBe("127.0.0.1:9095");
    expect(
      configSchema.parse({ provider: "reference", receiver: { listen: "127.0.0.1:9200", token: "t" } })
        .receiver,
    ).toEqual({ listen: "127.0.0.1:9200", token: "t" });
    expect(configSchema.parse({ receiver: { token: "t" } }).receiver).toEqual({
      listen: "127.0.0.1:9095",
      token: "t",
    });
  });

  it("port 0 becomes a free port; a given port stays", async () => {
    const a = splitHostPort(await concreteListen("127.0.0.1:0"));
    expect(a.host).toBe("127.0.0.1");
    expect(a.port).toBeGreaterThan(0);
    expect(await concreteListen("127.0.0.1:9095")).toBe("127.0.0.1:9095");
  });
});

describe("the receiver a run recorded", () => {
  it("is the run in progress's (run lock + resolved config), before the held environment's", () => {
    const dir = folder("recorded-run");
    const reportsDir = join(dir, "reports");
    const envStateFile = join(dir, ".gameday", "env.json");
    expect(recordedReceiver({ reportsDir, envStateFile })).toBeUndefined();

    mkdirSync(join(dir, ".gameday"), { recursive: true });
    writeFileSync(
      envStateFile,
      JSON.stringify({ pid: process.pid, config: { receiver: { listen: "127.0.0.1:40001" } } }),
    );
    expect(recordedReceiver({ reportsDir, envStateFile })).toEqual({
      url: "http://127.0.0.1:40001",
      source: `the environment held by gameday env up (pid ${process.pid})`,
    });

    const lock = acquireRunLock(reportsDir, { by: "t", via: "cli", scenarios: [], runId: null });
    try {
      // Locked but without its resolved config yet (the environment is starting): the held one.
      lock.setRunId("run-a");
      expect(recordedReceiver({ reportsDir, envStateFile })?.url).toBe("http://127.0.0.1:40001");
      writeResolvedConfig(
        join(reportsDir, "run-a"),
        configSchema.parse({ provider: "reference", receiver: { listen: "127.0.0.1:40002" } }),
      );
      expect(recordedReceiver({ reportsDir, envStateFile })).toEqual({
        url: "http://127.0.0.1:40002",
        source: "run run-a",
      });
    } finally {
      lock.release();
    }
    expect(recordedReceiver({ reportsDir, envStateFile })?.url).toBe("http://127.0.0.1:40001");
  });

  it("ignores a lock or state of a dead process and an unresolved port 0", () => {
    const dir = folder("recorded-dead");
    const reportsDir = join(dir, "reports");
    const envStateFile = join(dir, "env.json");
    mkdirSync(reportsDir, { recursive: true });
    const dead = 2 ** 22 + 17;
    expect(alive(dead)).toBe(false);
    writeFileSync(
      join(reportsDir, ".gameday-run.lock"),
      JSON.stringify({ pid: dead, host: "h", by: "t", via: "cli", scenarios: [], runId: "r", since: 1 }),
    );
    writeResolvedConfig(
      join(reportsDir, "r"),
      configSchema.parse({ receiver: { listen: "127.0.0.1:40003" } }),
    );
    writeFileSync(
      envStateFile,
      JSON.stringify({ pid: dead, config: { receiver: { listen: "127.0.0.1:40004" } } }),
    );
    expect(recordedReceiver({ reportsDir, envStateFile })).toBeUndefined();
    writeFileSync(
      envStateFile,
      JSON.stringify({ pid: process.pid, config: { receiver: { listen: "127.0.0.1:0" } } }),
    );
    expect(recordedReceiver({ reportsDir, envStateFile })).toBeUndefined();
  });
});

describe("gameday ack without --receiver", () => {
  it("finds the receiver of the environment `gameday env up` holds, on the port env up picked", async () => {
    const dir = folder("held");
    // A held environment with nothing to start, whose receiver port is picked free as for the reference stack.
    writeFileSync(
      join(dir, "gameday.config.ts"),
      `export default { provider: "local", receiver: { listen: "127.0.0.1:0" } };\n`,
    );
    const up = await gameday(dir, "env", "up");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    try {
      const state = readEnvState(join(dir, ".gameday", "env.json"));
      if (!state) throw new Error(`no held state after env up:\n${up.stdout}${up.stderr}`);
      const listen = state.config.receiver.listen;
      expect(splitHostPort(listen).port).toBeGreaterThan(0);
      expect(up.stdout).toContain(`alert receiver            http://${listen}`);
      // What a run on the held environment binds.
      const { rx, journal } = await receiverWithAlert(dir, listen, "00000000000000c3");
      try {
        const r = await gameday(dir, "ack", "--all", "--by", "carol");
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("acknowledged 00000000000000c3 as carol");
        expect(ackedBy(journal)).toEqual(["00000000000000c3 carol"]);
      } finally {
        await rx.close();
        journal.close();
      }
    } finally {
      const down = await gameday(dir, "env", "down");
      expect(down.code, down.stdout + down.stderr).toBe(0);
    }
  });

  it("finds the receiver of the run in progress in the reports folder", async () => {
    const dir = folder("running");
    writeFileSync(
      join(dir, "gameday.config.ts"),
      `export default { provider: "reference", reportsDir: "out" };\n`,
    );
    const reportsDir = join(dir, "out");
    const lock = acquireRunLock(reportsDir, { by: "t", via: "cli", scenarios: [], runId: null });
    const { rx, journal } = await receiverWithAlert(dir, "127.0.0.1:0", "00000000000000d4");
    try {
      lock.setRunId("run-b");
      writeResolvedConfig(
        join(reportsDir, "run-b"),
        configSchema.parse({ provider: "reference", receiver: { listen: new URL(rx.url).host } }),
      );
      const r = await gameday(dir, "ack", "LLMProviderDown", "--by", "dave");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(ackedBy(journal)).toEqual(["00000000000000d4 dave"]);
    } finally {
      lock.release();
      await rx.close();
      journal.close();
    }
  });

  it("with a reference config and no run going: says so and exits 3 instead of trying port 0", async () => {
    const dir = folder("nothing");
    writeFileSync(join(dir, "gameday.config.ts"), `export default { provider: "reference" };\n`);
    const r = await gameday(dir, "ack", "--all");
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no gameday run is going in reports\/ .*pass --receiver URL/);
  });
});
