// The embedded store: Node's built-in node:sqlite (no native add-on to build or approve).
import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync, mkdirSync, openSync, readSync, closeSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { type SqlDatabase, type SqlValue, StoreError } from "./sql-database.ts";

const SQLITE_MAGIC = "SQLite format 3\0";
/** How long a writer waits for another process's write lock (a CLI run beside `gameday serve`). */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Transactions on one file from this process, one at a time. node:sqlite waits for another
 * connection's write lock by blocking the thread (busy_timeout): when that connection is in this
 * process, its transaction cannot go on while we wait, so the wait would freeze the event loop for
 * BUSY_TIMEOUT_MS and end in "database is locked". Other processes are still waited for that way.
 */
const fileQueues = new Map<string, Promise<void>>();
/** The connection whose transaction the current async context runs in (nesting, not concurrency). */
const inTransaction = new AsyncLocalStorage<SqlDatabase>();

/**
 * SQLite would accept a file that is not a database and fail only at the first read with "file is
 * not a database"; checking the header first names the file and what it is.
 */
function assertSqliteFile(path: string): void {
  if (!existsSync(path)) return;
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(16);
    readSync(fd, head, 0, 16, 0);
    if (head.toString("latin1") !== SQLITE_MAGIC)
      throw new StoreError(`${path} is not a SQLite database (its first bytes are not the SQLite header)`);
  } finally {
    closeSync(fd);
  }
}

export function openSqlite(path: string): SqlDatabase {
  assertSqliteFile(path);
  let db: DatabaseSync;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path);
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;`);
  } catch (err) {
    throw new StoreError(`cannot open SQLite store ${path}: ${(err as Error).message}`);
  }
  const wrap = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(`SQLite store ${path}: ${what}: ${(err as Error).message}`);
    }
  };
  const database: SqlDatabase = {
    dialect: "sqlite",
    async query<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      return wrap("query", () => db.prepare(sql).all(...(params as SQLInputValue[])) as T[]);
    },
    async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      return wrap("write", () => Number(db.prepare(sql).run(...(params as SQLInputValue[])).changes));
    },
    async script(sql: string): Promise<void> {
      wrap("script", () => db.exec(sql));
    },
    async transaction<T>(work: () => Promise<T>, opts: { exclusive?: boolean } = {}): Promise<T> {
      // Store code calling a transactional method from inside another joins the outer transaction;
      // concurrent calls (on this connection or another on the same file) wait their turn.
      if (inTransaction.getStore() === database) return work();
      const before = fileQueues.get(path) ?? Promise.resolve();
      let done!: () => void;
      const mine = new Promise<void>((resolve) => {
        done = resolve;
      });
      const tail = before.then(() => mine);
      fileQueues.set(path, tail);
      await before;
      try {
        return await inTransaction.run(database, async () => {
          wrap("begin", () => db.exec(opts.exclusive ? "BEGIN IMMEDIATE" : "BEGIN"));
          try {
            const out = await work();
            wrap("commit", () => db.exec("COMMIT"));
            return out;
          } catch (err) {
            if (db.isTransaction) db.exec("ROLLBACK");
            throw err;
          }
        });
      } finally {
        done();
        if (fileQueues.get(path) === tail) fileQueues.delete(path);
      }
    },
    async close(): Promise<void> {
      if (db.isOpen) db.close();
    },
  };
  return database;
}
