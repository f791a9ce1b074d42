// POST /auth/verify {address, message, signature} → {customerId, address} + session cookies.
import { signInWithWallet } from "#app/lib/auth.server.ts";
import { HttpError, respondWithHttpErrors } from "#app/lib/http-errors.server.ts";
import { authRateLimit, consumeRateLimit } from "#app/lib/rate-limit.server.ts";
import { getRequestInfo, getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/auth.verify";

export async function action({ request, context }: Route.ActionArgs) {
  const services = getServices(context);
  return respondWithHttpErrors(async () => {
    if (request.method !== "POST") throw new HttpError(405, "method_not_allowed", "Use POST.");
    await consumeRateLimit(services, authRateLimit(services), getRequestInfo(context).ip);
    const signedIn = await signInWithWallet(request, context);
    const headers = new Headers({ "Cache-Control": "no-store" });
    for (const cookie of signedIn.cookies) headers.append("Set-Cookie", cookie);
    return Response.json({ customerId: signedIn.customerId, address: signedIn.address }, { headers });
  });
}
