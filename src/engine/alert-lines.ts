// Alerts in the terminal: the journal's alert events as progress lines. A person acknowledging the
// page with `gameday ack` needs to see that it fired and how to acknowledge it, so a firing line
// carries the exact command for this run's receiver. Subscribed to the journal like every other
// reader of the run, so the receiver knows nothing about the terminal.
import type { Journal } from "./journal.ts";
import type { EventOf, JournalEntry } from "./journal-events.ts";
import type { Progress } from "./progress.ts";

/** How `gameday ack`, typed in the shell that started the run, reaches this run's receiver. */
export interface AckRoute {
  /** The receiver's URL as bound at run time (its port may have been picked free). */
  receiverUrl: string;
  /** Where the run's config points the receiver (http://<receiver.listen>): what `gameday ack` finds itself. */
  configuredUrl: string;
  /**
   * The run's --config file when it is not the gameday.config.ts that `gameday ack` reads by itself;
   * undefined when the run used that default.
   */
  configFile?: string;
  /** The receiver requires a bearer token, which `gameday ack` reads from the run's config. */
  tokenRequired: boolean;
  /**
   * `gameday ack` reading the run's config finds this receiver by itself: the run holds the run
   * lock in that config's reportsDir and records its resolved addresses next to it.
   */
  discoverable: boolean;
}

/** Characters a POSIX shell takes literally; anything else is single-quoted. */
const SHELL_SAFE = /^[\w@%+=:,./-]+$/;

function shellWord(word: string): string {
  return SHELL_SAFE.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The arguments after `gameday` that acknowledge `fingerprint` on this run's receiver. */
export function ackArgs(fingerprint: string, route: AckRoute): string[] {
  const receiver = ["--receiver", route.receiverUrl];
  // What `gameday ack` finds when it reads the run's config: the recorded receiver of the run in
  // progress, else the configured address.
  const found = route.discoverable || stripSlash(route.receiverUrl) === stripSlash(route.configuredUrl);
  if (route.configFile === undefined) return ["ack", fingerprint, ...(found ? [] : receiver)];
  // `gameday ack` reads the run's config only when told; it is needed for the token. Without a
  // token, naming the receiver alone is the shorter command that reaches it.
  if (route.tokenRequired)
    return ["ack", fingerprint, "--config", route.configFile, ...(found ? [] : receiver)];
  return ["ack", fingerprint, ...receiver];
}

/** The command line, ready to paste into a shell. */
export function ackCommand(fingerprint: string, route: AckRoute): string {
  return ["gameday", ...ackArgs(fingerprint, route)].map(shellWord).join(" ");
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

type AlertReceived = EventOf<"alert.received">;

/**
 * A formatter of alert events with the memory it needs to print each change once: Alertmanager
 * repeats a firing notification every repeat_interval, and a retry may arrive after the resolve.
 * A firing line is printed once per episode (fingerprint + startsAt), a resolve once per episode.
 * Returns undefined for events that print nothing.
 */
export function alertLineFormatter(route: AckRoute): (e: JournalEntry) => string | undefined {
  const last = new Map<string, Pick<AlertReceived, "status" | "startsAt">>();
  const isRepeat = (e: AlertReceived): boolean => {
    const prev = last.get(e.fingerprint);
    if (!prev || prev.startsAt !== e.startsAt) return false;
    if (e.status === "resolved") return prev.status === "resolved";
    // A firing with the start of a resolved episode is a late retry; without a start, a firing
    // after a resolve is all there is to tell a new episode by.
    return e.startsAt !== null || prev.status === "firing";
  };
  return (e) => {
    if (e.type === "alert.received") {
      if (isRepeat(e)) return undefined;
      last.set(e.fingerprint, { status: e.status, startsAt: e.startsAt });
      const which = `${e.name} (receiver ${e.receiver}, fingerprint ${e.fingerprint})`;
      return e.status === "firing"
        ? `⚑ alert firing: ${which}; acknowledge: ${ackCommand(e.fingerprint, route)}`
        : `⚐ alert resolved: ${which}`;
    }
    if (e.type === "alert.ack")
      return `✓ alert acknowledged: ${e.name} (fingerprint ${e.fingerprint}) by ${e.by} via ${e.via}${e.synthetic ? " (synthetic)" : ""}`;
    return undefined;
  };
}

/** Prints the journal's alert events on `progress` from now on; returns the unsubscribe function. */
export function followAlerts(journal: Journal, progress: Progress, route: AckRoute): () => void {
  const lineOf = alertLineFormatter(route);
  return journal.onEvent((e) => {
    const line = lineOf(e);
    if (line !== undefined) progress.event(line);
  });
}
