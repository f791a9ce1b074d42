// A customer's request logs (spec §3 Usage and logs, §4 Logs tab): newest first from
// `haproxy_logs`, filtered, paginated by keyset on (ts, id) — never OFFSET, so page 1,000 costs
// what page 1 costs. The indexes that serve it are (customer_id, ts desc, id desc) and the
// partial index over the rows that were not served fine (see db/schema/haproxy-logs.ts).
import { and, asc, desc, eq, fillPlaceholders, gte, lte, type SQL, sql } from "drizzle-orm";
import type { Queryable } from "#db/client.ts";
import { apiKeys, haproxyLogs } from "#db/schema/index.ts";
import type { LogOutcome } from "#db/schema/values.ts";
import { apiKeyFingerprint } from "./api-keys.ts";
import {
  encodeCursor,
  LOG_PAGE_SIZE,
  LOG_RANGES,
  type LogCursor,
  type LogFilters,
  STATUS_CLASSES,
} from "./request-log-filters.ts";

export interface RequestLogEntry {
  /** Stable row key for rendering. */
  key: string;
  ts: string;
  region: string;
  service: string;
  method: string;
  status: number;
  outcome: LogOutcome;
  latencyMs: number;
  bytesIn: number;
  bytesOut: number;
  /** "abc123…wxyz" for one of the customer's keys, null for a request without a key. */
  apiKey: string | null;
  /** Identical requests folded into this row by the ingest. */
  repeat: number;
}

/**
 * One logged request as a page's rows travel from PostgreSQL to the browser: a JSON array with
 * these fields in this order (time as epoch milliseconds).
 */
export type LogRowTuple = [
  tsMs: number,
  id: number,
  region: string,
  service: string,
  method: string,
  status: number,
  outcome: LogOutcome,
  latencyMs: number,
  bytesIn: number,
  bytesOut: number,
  keyFp: string | null,
  repeat: number,
];

export interface RequestLogPage {
  /**
   * The page's rows, newest first: one JSON text of `LogRowTuple`s, built by PostgreSQL and decoded
   * by the page (`decodeLogRows`). As one string, the rows cost the loader no objects to build and
   * React Router's encoding of the loader data for hydration one value instead of ~600.
   */
  rows: string;
  /** Cursor for the next (older) page, when there is one. */
  older: string | null;
  /** Cursor for the previous (newer) page, when there is one. */
  newer: string | null;
}

export interface KeyChoice {
  id: number;
  label: string;
  fingerprint: string;
  state: "active" | "revoked" | "deleted";
}

/** Every API key the customer has had (deleted ones too: their requests are still in the logs). */
export async function keyChoices(db: Queryable, customerId: number): Promise<KeyChoice[]> {
  const rows = await db
    .select({
      id: apiKeys.id,
      serviceType: apiKeys.serviceType,
      name: apiKeys.name,
      keyHash: apiKeys.keyHash,
      keyPrefix: apiKeys.keyPrefix,
      keySuffix: apiKeys.keySuffix,
      revokedAt: apiKeys.revokedAt,
      deletedAt: apiKeys.deletedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.customerId, customerId))
    .orderBy(asc(apiKeys.id));
  return rows.map((row) => ({
    id: row.id,
    label: `${row.keyPrefix}…${row.keySuffix}${row.name ? ` (${row.name})` : ""}`,
    fingerprint: apiKeyFingerprint(row.keyHash),
    state: row.deletedAt ? "deleted" : row.revokedAt ? "revoked" : "active",
  }));
}

export class UnknownKeyFilterError extends Error {}

/**
 * How far ahead of this server's clock a logged request may be stamped and still be listed (edge
 * clocks drift a little); a row further ahead, from an edge with a wrong clock, shows once its
 * time has come.
 */
export const LOG_CLOCK_SLACK_MS = 3_600_000;

export interface RequestLogQueryInput {
  customerId: number;
  filters: LogFilters;
  /** The service the page is for; the filter's "all" widens it. */
  service: string;
  keys: readonly KeyChoice[];
  now: Date;
  pageSize?: number;
}

/**
 * Which conditions a page's statement has: its text depends only on this; the customer, times,
 * service, status class, outcome, key and cursor are its parameters. 2 × 2 × 2 × 2 × 3 = 48 texts.
 */
interface LogQueryShape {
  allServices: boolean;
  statusClass: boolean;
  outcome: boolean;
  key: boolean;
  cursor: "none" | "older" | "newer";
}

function logQueryShape(input: RequestLogQueryInput) {
  const { filters } = input;
  const pageSize = input.pageSize ?? LOG_PAGE_SIZE;
  const service = filters.service ?? input.service;
  const values: Record<string, unknown> = {
    customerId: input.customerId,
    since: new Date(input.now.getTime() - LOG_RANGES[filters.range].ms),
    // Bounded above too, so the planner prunes the empty day partitions made ahead of today (a
    // week of them): without this bound, planning a first page cost more than running it.
    until: new Date(input.now.getTime() + LOG_CLOCK_SLACK_MS),
    limit: pageSize + 1,
  };
  if (service !== "all") values.service = service;
  if (filters.status) {
    values.statusMin = STATUS_CLASSES[filters.status].min;
    values.statusMax = STATUS_CLASSES[filters.status].max;
  }
  if (filters.outcome) values.outcome = filters.outcome;
  if (filters.key !== undefined) {
    const key = input.keys.find((candidate) => candidate.id === filters.key);
    // The key list is the customer's own: another customer's key id is simply not in it.
    if (!key) throw new UnknownKeyFilterError("not one of this customer's keys");
    values.keyFp = key.fingerprint;
  }
  // Newer pages are read oldest-first from the cursor, then flipped back to newest-first.
  const readingNewer = filters.after !== undefined;
  const cursor: LogCursor | undefined = filters.after ?? filters.before;
  if (cursor) {
    values.cursorTs = cursor.ts;
    values.cursorId = cursor.id;
  }
  const shape: LogQueryShape = {
    allServices: service === "all",
    statusClass: filters.status !== undefined,
    outcome: filters.outcome !== undefined,
    key: filters.key !== undefined,
    cursor: !cursor ? "none" : readingNewer ? "newer" : "older",
  };
  return { shape, values, readingNewer, cursor, pageSize };
}

function buildLogQuery(db: Queryable, shape: LogQueryShape) {
  const param = (name: string) => sql.placeholder(name);
  const conditions: SQL[] = [
    eq(haproxyLogs.customerId, param("customerId")),
    gte(haproxyLogs.ts, param("since")),
    lte(haproxyLogs.ts, param("until")),
  ];
  if (!shape.allServices) conditions.push(eq(haproxyLogs.service, param("service")));
  if (shape.statusClass) {
    conditions.push(gte(haproxyLogs.status, param("statusMin")), lte(haproxyLogs.status, param("statusMax")));
  }
  if (shape.outcome) conditions.push(eq(haproxyLogs.outcome, param("outcome")));
  if (shape.key) conditions.push(eq(haproxyLogs.keyFp, param("keyFp")));
  const readingNewer = shape.cursor === "newer";
  if (shape.cursor !== "none") {
    const position = sql`(${haproxyLogs.ts}, ${haproxyLogs.id})`;
    const at = sql`(${param("cursorTs")}::timestamptz, ${param("cursorId")}::bigint)`;
    conditions.push(readingNewer ? sql`${position} > ${at}` : sql`${position} < ${at}`);
    // The row comparison alone does not bound the index range on ts; this does.
    conditions.push(
      readingNewer ? gte(haproxyLogs.ts, param("cursorTs")) : lte(haproxyLogs.ts, param("cursorTs")),
    );
  }
  return db
    .select({
      id: haproxyLogs.id,
      ts: haproxyLogs.ts,
      // A LogRowTuple; ts is stored to the microsecond, the page and its cursors use milliseconds.
      row: sql<string>`json_build_array(
        floor(extract(epoch from ${haproxyLogs.ts}) * 1000)::bigint, ${haproxyLogs.id}, ${haproxyLogs.region},
        ${haproxyLogs.service}, ${haproxyLogs.method}, ${haproxyLogs.status}, ${haproxyLogs.outcome},
        ${haproxyLogs.tTotalMs}, ${haproxyLogs.bytesIn}, ${haproxyLogs.bytesOut}, ${haproxyLogs.keyFp},
        ${haproxyLogs.repeat})::text`,
    })
    .from(haproxyLogs)
    .where(and(...conditions))
    .orderBy(
      ...(readingNewer
        ? [asc(haproxyLogs.ts), asc(haproxyLogs.id)]
        : [desc(haproxyLogs.ts), desc(haproxyLogs.id)]),
    )
    .limit(param("limit"));
}

/** The page query itself with its values filled in (one statement; exposed so its plan can be checked). */
export function requestLogQuery(db: Queryable, input: RequestLogQueryInput) {
  const { shape, values, readingNewer, cursor, pageSize } = logQueryShape(input);
  const built = buildLogQuery(db, shape);
  const query = {
    toSQL() {
      const { sql: text, params } = built.toSQL();
      return { sql: text, params: fillPlaceholders(params, values) };
    },
  };
  return { query, readingNewer, cursor, pageSize };
}

// The statement of each shape is built by drizzle once per database, not on every page view. It
// is sent unnamed, so PostgreSQL plans every execution with its values: the 5xx and outcome filters
// then use the partial index of problems, and the day partitions outside the range are pruned
// while planning. (A named statement would switch to a generic plan after five executions, which
// keeps ~1 MB per statement per connection with 98 day partitions, and it cannot use the partial
// index for a parameterized status or outcome.)
const builtLogQueries = new WeakMap<Queryable, Map<string, ReturnType<typeof buildOnce>>>();

function buildOnce(db: Queryable, shape: LogQueryShape) {
  // node-postgres sends a query with an empty name as the unnamed statement: parsed and planned
  // each time, nothing kept by the server.
  return buildLogQuery(db, shape).prepare("");
}

function builtLogQuery(db: Queryable, shape: LogQueryShape) {
  const key =
    [shape.allServices, shape.statusClass, shape.outcome, shape.key].map(Number).join("") + shape.cursor;
  let byShape = builtLogQueries.get(db);
  if (!byShape) {
    byShape = new Map();
    builtLogQueries.set(db, byShape);
  }
  let query = byShape.get(key);
  if (!query) {
    query = buildOnce(db, shape);
    byShape.set(key, query);
  }
  return query;
}

export async function requestLogPage(db: Queryable, input: RequestLogQueryInput): Promise<RequestLogPage> {
  const { shape, values, readingNewer, cursor, pageSize } = logQueryShape(input);
  const rows = await builtLogQuery(db, shape).execute(values);

  const more = rows.length > pageSize;
  const page = rows.slice(0, pageSize);
  if (readingNewer) page.reverse();

  const first = page[0];
  const last = page.at(-1);
  // Coming from a cursor means there is something on the other side of it.
  const hasOlder = readingNewer ? cursor !== undefined : more;
  const hasNewer = readingNewer ? more : cursor !== undefined;
  return {
    rows: `[${page.map((row) => row.row).join(",")}]`,
    older: hasOlder && last ? encodeCursor({ ts: last.ts, id: last.id }) : null,
    newer: hasNewer && first ? encodeCursor({ ts: first.ts, id: first.id }) : null,
  };
}

/** The entries of a page's `rows`, with each request's key shown by the customer's label for it. */
export function decodeLogRows(rows: string, keys: readonly KeyChoice[]): RequestLogEntry[] {
  const labels = new Map(keys.map((key) => [key.fingerprint, key.label]));
  return (JSON.parse(rows) as LogRowTuple[]).map(
    ([tsMs, id, region, service, method, status, outcome, latencyMs, bytesIn, bytesOut, keyFp, repeat]) => ({
      key: `${tsMs}.${id}`,
      ts: new Date(tsMs).toISOString(),
      region,
      service,
      method,
      status,
      outcome,
      latencyMs,
      bytesIn,
      bytesOut,
      apiKey: keyFp === null ? null : (labels.get(keyFp) ?? `unknown key ${keyFp.slice(0, 8)}`),
      repeat,
    }),
  );
}
