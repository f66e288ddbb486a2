// http-action faults survive a SIGKILL in the worst place: after the change reached the flag
// service, before the run heard back and journalled fault.applied. The flag service here is real
// HTTP; on the apply PUT it reads the run's journal (what a kill at that instant would leave), then
// SIGKILLs the run before answering. `gameday cleanup` must restore the flag from the journal.
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJournal } from "../../src/engine/journal.ts";
import { serve, type TestServer } from "./faults-targets.ts";
import { spawnGameday } from "../gameday-child.ts";
import { runFolders } from "../run-folders.ts";

const root = resolve(import.meta.dirname, "../..");
// Inside the repo, so the generated scenario and config files resolve `import … from "gameday"`.
mkdirSync(join(root, "reports", "tmp"), { recursive: true });
const work = mkdtempSync(join(root, "reports", "tmp", "http-action-kill-"));
const reports = join(work, "reports");

const flags: Record<string, unknown> = { large_model: true, price: 0.002 };
const puts: Array<{ body: Record<string, unknown>; journalAtPut: string }> = [];
let victim: ChildProcess | undefined;
let service: TestServer;

function journalNow(): string {
  if (!existsSync(reports)) return "";
  const run = runFolders(reports)[0];
  const file = run ? join(reports, run, "journal.jsonl") : "";
  return file && existsSync(file) ? readFileSync(file, "utf8") : "";
}

beforeAll(async () => {
  service = await serve((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c;
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.method !== "PUT") return res.end(JSON.stringify(flags));
      const parsed = JSON.parse(body || "{}") as Record<string, unknown>;
      puts.push({ body: parsed, journalAtPut: journalNow() });
      Object.assign(flags, parsed);
      if (puts.length === 1 && victim) {
        // The change is made; the run dies before it can learn so.
        victim.kill("SIGKILL");
        return;
      }
      res.end(JSON.stringify(flags));
    });
  });
  writeFileSync(
    join(work, "kill.config.ts"),
    `import { defineConfig } from "gameday";
export default defineConfig({
  provider: "external",
  services: [{ name: "flags", url: "${service.url}", health: "/flags" }],
  receiver: { listen: "127.0.0.1:0" },
});
`,
  );
  writeFileSync(
    join(work, "scenario.ts"),
    `import { defineScenario, fault } from "gameday";
export default defineScenario({
  id: "flag-kill",
  title: "flag flip killed mid-apply",
  owner: "SRE",
  hypothesis: "the flag is restored by cleanup",
  duration: "30s",
  timeline: [{ at: "200ms", inject: fault.httpAction("flags", { apply: { method: "PUT", path: "/flags", body: { large_model: false } }, read: { path: "/flags" }, duration: "20s" }) }],
});
`,
  );
});

afterAll(async () => {
  victim?.kill("SIGKILL");
  await service?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("http-action × SIGKILL during the change", () => {
  it("journals the previous value before the change is sent, and cleanup restores it", async () => {
    const run = spawnGameday([
      "run",
      join(work, "scenario.ts"),
      "--config",
      join(work, "kill.config.ts"),
      "--out",
      reports,
      "--quiet",
    ]);
    victim = run.child;
    const died = await run.ended;
    expect(died.signal, died.output).toBe("SIGKILL");
    expect(flags.large_model).toBe(false);

    // At the moment the change arrived, the journal already held the value to restore.
    expect(puts[0]?.body).toEqual({ large_model: false });
    const atPut = puts[0]!.journalAtPut
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; previous?: unknown });
    expect(atPut.map((e) => e.type)).toContain("fault.registered");
    expect(atPut.find((e) => e.type === "fault.captured")?.previous).toEqual({
      read: { large_model: true, price: 0.002 },
    });
    expect(atPut.map((e) => e.type)).not.toContain("fault.applied");

    const runId = runFolders(reports)[0]!;
    const cleanup = await spawnGameday(["cleanup", "--run", runId, "--out", reports]).ended;
    expect(cleanup.code, cleanup.output).toBe(0);
    expect(cleanup.output).toMatch(/reverted f01: http-action on flags/);
    expect(flags).toEqual({ large_model: true, price: 0.002 });
    expect(puts[1]?.body).toEqual({ large_model: true, price: 0.002 });
    const { entries } = readJournal(join(reports, runId, "journal.jsonl"));
    expect(entries.find((e) => e.type === "fault.reverted")).toMatchObject({
      faultId: "f01",
      reason: "cleanup",
    });
  }, 60_000);
});
