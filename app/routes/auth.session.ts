// GET /auth/session → {customerId, address} for the signed-in wallet, 401 otherwise.
import { getViewer } from "#app/lib/auth.server.ts";
import { HttpError } from "#app/lib/http-errors.server.ts";
import type { Route } from "./+types/auth.session";

export function loader({ context }: Route.LoaderArgs) {
  const viewer = getViewer(context);
  if (!viewer) return new HttpError(401, "unauthenticated", "Not signed in.").toResponse();
  return Response.json(
    { customerId: viewer.customerId, address: viewer.address },
    { headers: { "Cache-Control": "no-store" } },
  );
}
