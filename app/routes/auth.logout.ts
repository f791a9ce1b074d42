// POST /auth/logout: revoke the session (its whole refresh-token family) and clear the cookies.
// JSON clients get {ok: true}; a plain form is sent back to the landing page in demo mode.
import { redirect } from "react-router";
import { recordActivity } from "#app/domain/activity.ts";
import { getViewer } from "#app/lib/auth.server.ts";
import { HttpError, respondWithHttpErrors } from "#app/lib/http-errors.server.ts";
import { authRateLimit, consumeRateLimit } from "#app/lib/rate-limit.server.ts";
import { wantsJson } from "#app/lib/request-body.server.ts";
import { getRequestInfo, getServices } from "#app/lib/services.server.ts";
import { clearSessionCookies, revokeSessionFamily } from "#app/lib/session.server.ts";
import type { Route } from "./+types/auth.logout";

export async function action({ request, context }: Route.ActionArgs) {
  const services = getServices(context);
  const { ip } = getRequestInfo(context);
  return respondWithHttpErrors(async () => {
    if (request.method !== "POST") throw new HttpError(405, "method_not_allowed", "Use POST.");
    await consumeRateLimit(services, authRateLimit(services), ip);
    const viewer = getViewer(context);
    if (viewer) {
      const now = services.clock.now();
      await services.db.transaction(async (tx) => {
        await revokeSessionFamily(tx, viewer.familyId, now);
        await recordActivity(tx, {
          customerId: viewer.customerId,
          kind: "auth",
          action: "auth.sign_out",
          summary: "Signed out",
          actorAddress: viewer.address,
          ip,
          at: now,
        });
      });
    }
    const headers = new Headers({ "Cache-Control": "no-store" });
    for (const cookie of clearSessionCookies(services.env)) headers.append("Set-Cookie", cookie);
    if (wantsJson(request)) return Response.json({ ok: true }, { headers });
    return redirect("/", { headers });
  });
}

export function loader() {
  return redirect("/");
}
