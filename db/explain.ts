// EXPLAIN for the statements the app runs as prepared statements. After five executions
// PostgreSQL may settle on one generic plan (no values known when planning) and run it from then
// on; with `generic` the plan shown is that one — forced with plan_cache_mode — rather than a plan
// made for one set of values, which the app would not be running.
import { randomUUID } from "node:crypto";
import type pg from "pg";

export interface ExplainOptions {
  /** Show the generic plan of the statement prepared, as the app runs it. */
  generic: boolean;
  /** EXPLAIN's options, e.g. `analyze, buffers` or `format json`. */
  options: string;
}

export async function explainStatement<Row extends pg.QueryResultRow>(
  client: pg.ClientBase,
  statement: { sql: string; params: unknown[] },
  { generic, options }: ExplainOptions,
): Promise<Row[]> {
  if (!generic)
    return (await client.query<Row>(`explain (${options}) ${statement.sql}`, statement.params)).rows;
  const name = `explain_${randomUUID().replaceAll("-", "")}`;
  const literal = (value: unknown) =>
    value === null || value === undefined
      ? "null"
      : typeof value === "number" || typeof value === "bigint"
        ? String(value)
        : client.escapeLiteral(value instanceof Date ? value.toISOString() : String(value));
  await client.query("set plan_cache_mode = force_generic_plan");
  try {
    await client.query(`prepare ${name} as ${statement.sql}`);
    const args = statement.params.map(literal).join(", ");
    return (await client.query<Row>(`explain (${options}) execute ${name}${args ? `(${args})` : ""}`)).rows;
  } finally {
    await client.query(`deallocate ${name}`).catch(() => {});
    await client.query("reset plan_cache_mode");
  }
}
