// POST /auth/challenge {address} → {message, nonce, expiresAt}: the message the wallet signs.
import { z } from "zod";
import { walletAddressSchema } from "#app/domain/sui-address.ts";
import { issueChallenge } from "#app/lib/auth/challenge.server.ts";
import { AUTH_MAX_BODY_BYTES, fieldErrorsOf } from "#app/lib/auth/sui-wallet-strategy.server.ts";
import { HttpError, respondWithHttpErrors } from "#app/lib/http-errors.server.ts";
import { authRateLimit, consumeRateLimit } from "#app/lib/rate-limit.server.ts";
import { readBody } from "#app/lib/request-body.server.ts";
import { getRequestInfo, getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/auth.challenge";

const challengeRequestSchema = z.object({ address: walletAddressSchema });

export async function action({ request, context }: Route.ActionArgs) {
  const services = getServices(context);
  return respondWithHttpErrors(async () => {
    if (request.method !== "POST") throw new HttpError(405, "method_not_allowed", "Use POST.");
    await consumeRateLimit(services, authRateLimit(services), getRequestInfo(context).ip);
    const parsed = challengeRequestSchema.safeParse(await readBody(request, AUTH_MAX_BODY_BYTES));
    if (!parsed.success) {
      throw new HttpError(400, "invalid_request", "A valid Sui address is required.", {
        fieldErrors: fieldErrorsOf(parsed.error),
      });
    }
    const challenge = await issueChallenge(services.db, {
      address: parsed.data.address,
      origin: services.env.appOrigin,
      now: services.clock.now(),
    });
    return Response.json(challenge, { headers: { "Cache-Control": "no-store" } });
  });
}
