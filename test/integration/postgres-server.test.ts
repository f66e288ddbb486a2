// The PostgreSQL test helper (test/postgres-server.ts) against the real PostgreSQL 15: it starts a
// server that takes SQL, listens on loopback only, and leaves nothing running or on disk after stop()
// or after the test process that started it is SIGKILLed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresServer, postgresUnavailable, startPostgres } from "../postgres-server.ts";

const missing = postgresUnavailable();
if (missing) console.warn(`skipping the PostgreSQL helper tests: ${missing}`);

/** Whether a TCP connection to 127.0.0.1:port is refused (nothing listens). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(false);
    });
    sock.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
}

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe.skipIf(missing !== null)("a throwaway PostgreSQL 15 server", () => {
  let server: PostgresServer;
  let client: Client;

  beforeAll(async () => {
    server = await startPostgres();
    client = new Client({ connectionString: server.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end().catch(() => {});
    await server?.stop();
  });

  it("is PostgreSQL 15 on 127.0.0.1, with the gameday_test database", async () => {
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/gameday_test`);
    const version = await client.query<{ version: string }>("select version()");
    expect(version.rows[0]?.version).toMatch(/^PostgreSQL 15\./);
    const settings = await client.query<{ name: string; setting: string }>(
      "select name, setting from pg_settings where name = any($1) order by name",
      [["fsync", "listen_addresses", "unix_socket_directories"]],
    );
    expect(settings.rows).toEqual([
      { name: "fsync", setting: "off" },
      { name: "listen_addresses", setting: "127.0.0.1" },
      { name: "unix_socket_directories", setting: server.dir },
    ]);
    expect((await client.query("select current_database() as db")).rows).toEqual([{ db: "gameday_test" }]);
  });

  it("creates a table and reads back what it stored", async () => {
    await client.query("create table runs (id text primary key, passed boolean not null)");
    await client.query("insert into runs values ($1, $2), ($3, $4)", ["r1", true, "r2", false]);
    const rows = await client.query("select id, passed from runs order by id");
    expect(rows.rows).toEqual([
      { id: "r1", passed: true },
      { id: "r2", passed: false },
    ]);
  });

  it("stop() shuts the server down and removes its folder; a second stop() does nothing", async () => {
    const other = await startPostgres();
    expect(other.port).not.toBe(server.port);
    expect(await refused(other.port)).toBe(false);
    await other.stop();
    expect(await refused(other.port)).toBe(true);
    expect(existsSync(other.dir)).toBe(false);
    await other.stop();
  });

  it("a SIGKILLed test process leaves no server and no folder", async () => {
    const helper = fileURLToPath(new URL("../postgres-server.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      [
        "--disable-warning=ExperimentalWarning",
        "--input-type=module",
        "-e",
        `const { startPostgres } = await import(${JSON.stringify(helper)});
         const s = await startPostgres();
         console.log(JSON.stringify({ port: s.port, dir: s.dir }));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const started = await new Promise<{ port: number; dir: string }>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
        if (out.includes("\n")) resolve(JSON.parse(out) as { port: number; dir: string });
      });
      child.once("exit", (code) =>
        reject(new Error(`the child exited (code ${code}) before it started postgres`)),
      );
    });
    expect(await refused(started.port)).toBe(false);
    child.kill("SIGKILL");
    expect(await eventually(() => refused(started.port), 10_000)).toBe(true);
    expect(await eventually(() => !existsSync(started.dir), 5_000)).toBe(true);
  });
});
