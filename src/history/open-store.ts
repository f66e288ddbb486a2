// Which store a command uses, and opening it: a postgres:// URL is the shared store, anything else
// a SQLite file. The store is migrated on open, so a first run creates it.
import { resolve } from "node:path";
import { migrate } from "./migrations.ts";
import { openPostgres, redactUrl } from "./postgres-database.ts";
import { RunStore } from "./run-store.ts";
import { openSqlite } from "./sqlite-database.ts";

export const DEFAULT_STORE_FILE = "history.sqlite";

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/**
 * The store a command uses: --store, then the config's history.url or history.path, then
 * history.sqlite in the reports folder.
 */
export function storeSpec(o: {
  flag?: string;
  history?: { url?: string; path?: string };
  reportsDir: string;
}): string {
  if (o.flag) return o.flag;
  if (o.history?.url) return o.history.url;
  if (o.history?.path) return o.history.path;
  return resolve(o.reportsDir, DEFAULT_STORE_FILE);
}

/** Opens and migrates the store; StoreError (exit 3) with the reason when it cannot. */
export async function openRunStore(spec: string): Promise<RunStore> {
  const postgres = isPostgresUrl(spec);
  const db = postgres ? await openPostgres(spec) : openSqlite(resolve(spec));
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return new RunStore(db, postgres ? redactUrl(spec) : resolve(spec));
}
