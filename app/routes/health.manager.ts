// GET /health/manager: 200 with the last cycle and vault version; 503 with the reasons when the
// manager has not completed a cycle, or confirmed the vault, in 15 minutes.
import { data } from "react-router";
import { managerHealth } from "#app/domain/manager-health.ts";
import { getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/health.manager";

export async function loader({ context }: Route.LoaderArgs) {
  const { db, clock, logger } = getServices(context);
  try {
    const health = await managerHealth(db, clock.now());
    return data(
      { status: health.ok ? "ok" : "stale", ...health },
      { status: health.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    logger.warn({ err: error }, "manager health: database unreachable");
    return data(
      { status: "error", ok: false, reasons: ["database unreachable"] },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  }
}
