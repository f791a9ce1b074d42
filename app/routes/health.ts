// GET /health: liveness + database check for HAProxy (`option httpchk`) and monitoring.
import { sql } from "drizzle-orm";
import { data } from "react-router";
import { getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/health";

const DATABASE_TIMEOUT_MS = 2_000;

export async function loader({ context }: Route.LoaderArgs) {
  const { database, logger, env } = getServices(context);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      database.db.execute(sql`select 1`),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("database check timed out")), DATABASE_TIMEOUT_MS);
      }),
    ]);
    return data(
      {
        status: "ok",
        database: { status: "ok", kind: database.kind, latencyMs: Math.round(performance.now() - started) },
        release: env.release,
        time: new Date().toISOString(),
      },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    logger.warn({ err: error }, "health check: database unreachable");
    return data(
      {
        status: "error",
        database: { status: "unreachable", kind: database.kind, error: "database unreachable" },
        release: env.release,
        time: new Date().toISOString(),
      },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  } finally {
    clearTimeout(timer);
  }
}
