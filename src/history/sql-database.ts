// The one surface the run store needs from a SQL engine, so the same store code and the same
// migrations run on SQLite (embedded) and PostgreSQL (shared). Statements use `?` placeholders;
// the PostgreSQL side numbers them.

export type SqlValue = string | number | null;

export type Dialect = "sqlite" | "postgres";

export interface SqlDatabase {
  readonly dialect: Dialect;
  /** Rows as plain objects keyed by column name; BIGINT and NUMERIC come back as numbers. */
  query<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs one statement; resolves to the number of rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs several statements without parameters (migrations). */
  script(sql: string): Promise<void>;
  /**
   * Runs `work` in one transaction, rolled back if it throws. `exclusive` takes the write lock up
   * front (SQLite BEGIN IMMEDIATE, a PostgreSQL advisory lock), so two runners migrating or
   * recording at once wait for each other instead of failing half-way.
   */
  transaction<T>(work: () => Promise<T>, opts?: { exclusive?: boolean }): Promise<T>;
  close(): Promise<void>;
}

/** A store that cannot be opened, read or written; the CLI maps it to exit 3. */
export class StoreError extends Error {
  override name = "StoreError";
}

/** `?` placeholders as one multi-row VALUES list: `(?, ?), (?, ?)`. */
export function valuesList(rows: number, columns: number): string {
  const one = `(${Array.from({ length: columns }, () => "?").join(", ")})`;
  return Array.from({ length: rows }, () => one).join(", ");
}
