// Alerts in the terminal: the journal's alert events become progress lines, a firing one with the
// exact `gameday ack` command for the run's receiver, each change printed once however often
// Alertmanager repeats it. Real journal and progress; only the output stream is collected.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type AckRoute, ackArgs, ackCommand, followAlerts } from "../../src/engine/alert-lines.ts";
import { Journal } from "../../src/engine/journal.ts";
import type { JournalEvent } from "../../src/engine/journal-events.ts";
import { createProgress, type ProgressOut } from "../../src/engine/progress.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

function sink(o: { isTTY?: boolean } = {}): ProgressOut & { text(): string } {
  const chunks: string[] = [];
  return { ...o, write: (t: string) => chunks.push(t), text: () => chunks.join("") };
}

const AT_DEFAULT: AckRoute = {
  receiverUrl: "http://127.0.0.1:9095",
  configuredUrl: "http://127.0.0.1:9095",
  tokenRequired: false,
  discoverable: false,
};
const FP = "00000000000000a1";

function received(
  status: "firing" | "resolved",
  startsAt: number | null,
  o: { fingerprint?: string; name?: string } = {},
): JournalEvent {
  return {
    type: "alert.received",
    fingerprint: o.fingerprint ?? FP,
    name: o.name ?? "LLMProviderDown",
    status,
    startsAt,
    endsAt: null,
    receiver: "oncall",
    labels: { alertname: o.name ?? "LLMProviderDown" },
  };
}

/** A journal with alert lines followed onto a collected progress output. */
function followed(route: AckRoute, out: ReturnType<typeof sink>) {
  const journal = new Journal(join(dirs.make("gameday-alert-lines-"), "journal.jsonl"));
  const progress = createProgress({ out });
  const stop = followAlerts(journal, progress, route);
  const lines = () =>
    out
      .text()
      .split("\n")
      .filter((l) => l.includes("alert "));
  return { journal, progress, stop, lines };
}

describe("the ack command printed with a firing alert", () => {
  it("is the bare command when the receiver is where `gameday ack` looks by itself", () => {
    expect(ackCommand(FP, AT_DEFAULT)).toBe(`gameday ack ${FP}`);
    // A trailing slash is the same receiver.
    expect(ackArgs(FP, { ...AT_DEFAULT, receiverUrl: "http://127.0.0.1:9095/" })).toEqual(["ack", FP]);
  });

  it("names the receiver the run bound when it is not the configured one (a port picked free)", () => {
    const route = { ...AT_DEFAULT, receiverUrl: "http://127.0.0.1:41234" };
    expect(ackCommand(FP, route)).toBe(`gameday ack ${FP} --receiver http://127.0.0.1:41234`);
  });

  it("is bare when ack finds the run's recorded receiver itself (the run lock in the config's reportsDir)", () => {
    const route = { ...AT_DEFAULT, receiverUrl: "http://127.0.0.1:41234", discoverable: true };
    expect(ackCommand(FP, route)).toBe(`gameday ack ${FP}`);
    // Through the run's --config, which names that reportsDir and the token.
    const withConfig = { ...route, configFile: "staging.config.ts", tokenRequired: true };
    expect(ackArgs(FP, withConfig)).toEqual(["ack", FP, "--config", "staging.config.ts"]);
  });

  it("names the run's --config when its receiver needs a token, so ack reads the token from it", () => {
    const route = { ...AT_DEFAULT, configFile: "staging.config.ts", tokenRequired: true };
    expect(ackArgs(FP, route)).toEqual(["ack", FP, "--config", "staging.config.ts"]);
    expect(ackArgs(FP, { ...route, receiverUrl: "http://127.0.0.1:41234" })).toEqual([
      "ack",
      FP,
      "--config",
      "staging.config.ts",
      "--receiver",
      "http://127.0.0.1:41234",
    ]);
  });

  it("with another config and no token, names the receiver alone (ack would not read that config)", () => {
    expect(ackArgs(FP, { ...AT_DEFAULT, configFile: "staging.config.ts" })).toEqual([
      "ack",
      FP,
      "--receiver",
      "http://127.0.0.1:9095",
    ]);
  });

  it("quotes what a shell would split", () => {
    const route = { ...AT_DEFAULT, configFile: "my configs/it's.ts", tokenRequired: true };
    expect(ackCommand(FP, route)).toBe(`gameday ack ${FP} --config 'my configs/it'\\''s.ts'`);
  });
});

describe("alert lines on the progress output", () => {
  it("plain: a firing once per episode with its receiver, fingerprint and ack command; a resolve once; an ack with who and via", () => {
    const out = sink({ isTTY: false });
    const { journal, lines } = followed({ ...AT_DEFAULT, receiverUrl: "http://127.0.0.1:41234" }, out);
    journal.write(received("firing", 1_000));
    // Alertmanager's repeat of the same episode prints nothing.
    journal.write(received("firing", 1_000));
    journal.write({ type: "phase", scenario: "s", phase: "observe" });
    journal.write({
      type: "alert.ack",
      fingerprint: FP,
      name: "LLMProviderDown",
      by: "alice",
      via: "cli",
      synthetic: false,
    });
    journal.write(received("resolved", 1_000));
    journal.write(received("resolved", 1_000));
    // A late retry of the resolved episode's firing is not a new episode.
    journal.write(received("firing", 1_000));
    expect(lines()).toHaveLength(3);
    const [firing, ack, resolved] = lines();
    expect(firing).toMatch(/^\d\d:\d\d:\d\d /);
    expect(firing).toContain(
      `alert firing: LLMProviderDown (receiver oncall, fingerprint ${FP}); acknowledge: gameday ack ${FP} --receiver http://127.0.0.1:41234`,
    );
    expect(ack).toContain(`alert acknowledged: LLMProviderDown (fingerprint ${FP}) by alice via cli`);
    expect(ack).not.toContain("synthetic");
    expect(resolved).toContain(`alert resolved: LLMProviderDown (receiver oncall, fingerprint ${FP})`);
    journal.close();
  });

  it("a new episode (a new startsAt, or firing again without one after a resolve) is printed again", () => {
    const { journal, lines } = followed(AT_DEFAULT, sink());
    journal.write(received("firing", 1_000));
    journal.write(received("resolved", 1_000));
    journal.write(received("firing", 5_000));
    journal.write(received("firing", null, { fingerprint: "00000000000000b2", name: "CacheHitLow" }));
    journal.write(received("firing", null, { fingerprint: "00000000000000b2", name: "CacheHitLow" }));
    journal.write(received("resolved", null, { fingerprint: "00000000000000b2", name: "CacheHitLow" }));
    journal.write(received("firing", null, { fingerprint: "00000000000000b2", name: "CacheHitLow" }));
    expect(lines().map((l) => l.replace(/^\S+ \S+ /, "").split(" (")[0])).toEqual([
      "alert firing: LLMProviderDown",
      "alert resolved: LLMProviderDown",
      "alert firing: LLMProviderDown",
      "alert firing: CacheHitLow",
      "alert resolved: CacheHitLow",
      "alert firing: CacheHitLow",
    ]);
    journal.close();
  });

  it("TTY: the live status line is cleared before an alert line, and the auto-responder's ack says synthetic", () => {
    const out = sink({ isTTY: true });
    const { journal, progress, stop, lines } = followed(AT_DEFAULT, out);
    progress.status({
      scenario: "s",
      phase: "observe",
      elapsedMs: 1_000,
      plannedMs: 10_000,
      p95Ms: 10,
      errorRate: 0,
      rps: 5,
      activeFaults: 1,
    });
    journal.write(received("firing", 1_000));
    expect(out.text()).toMatch(
      new RegExp(
        `s \\[observe\\][^\\n]*\\r\\x1b\\[2K\\d\\d:\\d\\d:\\d\\d ⚑ alert firing: .*gameday ack ${FP}\\n$`,
      ),
    );
    journal.write({
      type: "alert.ack",
      fingerprint: FP,
      name: "LLMProviderDown",
      by: "auto-responder",
      via: "auto",
      synthetic: true,
    });
    expect(lines().at(-1)).toContain("by auto-responder via auto (synthetic)");
    // Unsubscribed (the run's end): nothing more is printed.
    stop();
    journal.write(received("resolved", 1_000));
    expect(lines()).toHaveLength(2);
    journal.close();
  });
});
