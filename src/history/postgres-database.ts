// The shared store: PostgreSQL through node-postgres (`pg`, pure JavaScript, MIT). One client per
// process: the CLI records one run at a time, and a transaction must stay on one connection.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Client as PgClient } from "pg";
import { type SqlDatabase, type SqlValue, StoreError } from "./sql-database.ts";

const CONNECT_TIMEOUT_MS = 10_000;
/** Any constant: the lock that serialises migrations and recording across CI runners. */
const ADVISORY_LOCK = 0x6761_6d65; // "game"
const INT8 = 20;
const NUMERIC = 1700;
/** The connection whose transaction the current async context runs in (nesting, not concurrency). */
const inTransaction = new AsyncLocalStorage<SqlDatabase>();

/** The URL as it may be printed: the password, if any, replaced. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}

/** `?` → `$1, $2, …`, outside quoted strings (the store's SQL has no `?` operators). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = "";
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === "?" && !quoted ? `$${++n}` : ch;
  }
  return out;
}

function describeConnectError(url: string, err: NodeJS.ErrnoException): string {
  const where = redactUrl(url);
  if (err.code === "ECONNREFUSED")
    return `PostgreSQL at ${where} refused the connection (is the server running and listening there?)`;
  if (err.code === "ENOTFOUND") return `PostgreSQL host in ${where} does not resolve`;
  if (err.code === "28P01" || err.code === "28000")
    return `PostgreSQL at ${where} rejected the credentials: ${err.message}`;
  if (err.code === "3D000") return `PostgreSQL at ${where}: ${err.message} (create it first)`;
  return `cannot connect to PostgreSQL at ${where}: ${err.message}`;
}

export async function openPostgres(url: string): Promise<SqlDatabase> {
  const pg = (await import("pg")).default;
  const parse = (value: string) => Number(value);
  const client: PgClient = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Times are epoch milliseconds in BIGINT columns, and counts come back as INT8 or NUMERIC:
    // all fit a double, and the store's callers want numbers.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8 || oid === NUMERIC
          ? parse
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  // A server that goes away between queries emits 'error' on the client; without a listener
  // Node would crash the process instead of failing the query in hand.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new StoreError(describeConnectError(url, err as NodeJS.ErrnoException));
  }
  const where = redactUrl(url);
  const run = async (what: string, sql: string, params: readonly SqlValue[]) => {
    try {
      return await client.query(numberPlaceholders(sql), params as SqlValue[]);
    } catch (err) {
      throw new StoreError(`PostgreSQL store ${where}: ${what}: ${(err as Error).message}`);
    }
  };
  // A transaction holds the one connection from BEGIN to COMMIT: a second one started meanwhile
  // would run its statements inside the first (and be rolled back with it), so they queue.
  let queue: Promise<void> = Promise.resolve();
  const database: SqlDatabase = {
    dialect: "postgres",
    async query<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      return (await run("query", sql, params)).rows as T[];
    },
    async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      return (await run("write", sql, params)).rowCount ?? 0;
    },
    async script(sql: string): Promise<void> {
      try {
        await client.query(sql);
      } catch (err) {
        throw new StoreError(`PostgreSQL store ${where}: ${(err as Error).message}`);
      }
    },
    async transaction<T>(work: () => Promise<T>, opts: { exclusive?: boolean } = {}): Promise<T> {
      // Store code calling a transactional method from inside another joins the outer transaction.
      if (inTransaction.getStore() === database) return work();
      const before = queue;
      let done!: () => void;
      const mine = new Promise<void>((resolve) => {
        done = resolve;
      });
      queue = before.then(() => mine);
      await before;
      try {
        return await inTransaction.run(database, async () => {
          await run("begin", "BEGIN", []);
          try {
            if (opts.exclusive) await run("lock", `SELECT pg_advisory_xact_lock(${ADVISORY_LOCK})`, []);
            const out = await work();
            await run("commit", "COMMIT", []);
            return out;
          } catch (err) {
            await client.query("ROLLBACK").catch(() => {});
            throw err;
          }
        });
      } finally {
        done();
      }
    },
    async close(): Promise<void> {
      await client.end().catch(() => {});
    },
  };
  return database;
}
