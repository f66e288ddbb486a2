// The server-sent event stream of the console and API clients. Every client gets a `hello` with
// the whole state, then each event as it happens. A client that cannot keep up (its socket buffer
// full) is dropped rather than buffered without bound: the browser's EventSource reconnects and
// its `hello` brings it back up to date, and the run never waits for a slow reader.
import type { ServerResponse } from "node:http";
import type { ServeEvent } from "./live-state.ts";

/** Bytes a client may have queued before it counts as stuck. */
const MAX_QUEUED_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

export class EventHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor() {
    // A comment line keeps proxies and idle-connection reapers from closing quiet streams.
    this.#heartbeat = setInterval(() => this.#write(": keep-alive\n\n"), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Takes over the response as an event stream and sends `hello` first. */
  add(res: ServerResponse, hello: ServeEvent): void {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(`retry: 2000\n${frame(hello)}`);
    this.#clients.add(res);
    res.on("close", () => this.#clients.delete(res));
  }

  publish(event: ServeEvent): void {
    if (this.#clients.size === 0) return;
    this.#write(frame(event));
  }

  #write(text: string): void {
    for (const res of this.#clients) {
      if (res.writableLength > MAX_QUEUED_BYTES) {
        this.#clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(text);
    }
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}

function frame(event: ServeEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
