// POST /billing/transactions {kind: "deposit"|"withdraw", digest}: record a transaction the
// customer's wallet executed, after verifying it on chain by digest. Recording the same digest
// again changes nothing ({recorded: false}). This is the path wallet-signed transfers take.
import { isValidTransactionDigest } from "@mysten/sui/utils";
import { z } from "zod";
import { retryFailedInvoices } from "#app/domain/billing/charge.ts";
import { customerWallet, EscrowError, recordTransfer } from "#app/domain/escrow.ts";
import { fieldErrorsOf } from "#app/lib/auth/sui-wallet-strategy.server.ts";
import { requireCustomer } from "#app/lib/auth.server.ts";
import { HttpError, respondWithHttpErrors } from "#app/lib/http-errors.server.ts";
import { readBody } from "#app/lib/request-body.server.ts";
import { getRequestInfo, getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/billing.transactions";

const recordSchema = z.object({
  kind: z.enum(["deposit", "withdraw"], { error: "kind must be deposit or withdraw." }),
  digest: z
    .string({ error: "A transaction digest is required." })
    .trim()
    .refine((value) => isValidTransactionDigest(value), "Not a Sui transaction digest."),
});

export async function action({ request, context }: Route.ActionArgs) {
  return respondWithHttpErrors(async () => {
    if (request.method !== "POST") throw new HttpError(405, "method_not_allowed", "Use POST.");
    const viewer = requireCustomer({ request, context });
    const services = getServices(context);
    const parsed = recordSchema.safeParse(await readBody(request, 4096));
    if (!parsed.success) {
      throw new HttpError(400, "invalid_request", "Some fields are missing or malformed.", {
        fieldErrors: fieldErrorsOf(parsed.error),
      });
    }
    const customer = await customerWallet(services.db, viewer.customerId);
    try {
      const result = await recordTransfer(services, {
        ...customer,
        digest: parsed.data.digest,
        kind: parsed.data.kind,
        ip: getRequestInfo(context).ip,
      });
      if (result.recorded && parsed.data.kind === "deposit") {
        await retryFailedInvoices(services, customer.customerId);
      }
      return Response.json(
        {
          recorded: result.recorded,
          digest: result.transaction.digest,
          kind: result.transaction.kind,
          amountCents: result.transaction.amountCents,
        },
        { headers: { "Cache-Control": "no-store" } },
      );
    } catch (error) {
      if (error instanceof EscrowError) {
        throw new HttpError(400, error.code, error.message, { fieldErrors: { digest: [error.message] } });
      }
      throw error;
    }
  });
}
