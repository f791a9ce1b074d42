// Who is signed in, and the guards routes use (spec §6). The root middleware resolves the
// session once per request (renewing it from the refresh token when needed) and puts the
// viewer in the router context; `requireCustomer` guards loaders and actions.
import { eq } from "drizzle-orm";
import { createContext, type MiddlewareFunction, type RouterContextProvider, redirect } from "react-router";
import { Authenticator } from "remix-auth";
import { recordActivity } from "#app/domain/activity.ts";
import { customers } from "#db/schema/index.ts";
import { consumeChallenge } from "./auth/challenge.server.ts";
import { findOrCreateCustomer } from "./auth/customers.server.ts";
import { SuiWalletStrategy } from "./auth/sui-wallet-strategy.server.ts";
import { primeCustomerSnapshot, requestReadsSnapshot } from "./customer-snapshot.server.ts";
import { HttpError } from "./http-errors.server.ts";
import { wantsJson } from "./request-body.server.ts";
import { getRequestInfo, getServices } from "./services.server.ts";
import { createSession, resolveSession, sessionCookieNames, type Viewer } from "./session.server.ts";

export type { Viewer };

export const viewerContext = createContext<Viewer | null>(null);

type Context = Readonly<RouterContextProvider>;

export function getViewer(context: Context): Viewer | null {
  return context.get(viewerContext);
}

/** Resolve the session, expose the viewer, and attach any renewed/cleared cookies. */
export const sessionMiddleware: MiddlewareFunction<Response> = async ({ request, context }, next) => {
  const services = getServices(context);
  const { ip } = getRequestInfo(context);
  const session = await resolveSession(
    request,
    services,
    { ip },
    { withSnapshot: requestReadsSnapshot(request) },
  );
  context.set(viewerContext, session.viewer);
  if (session.snapshot) primeCustomerSnapshot({ request, context }, session.snapshot);
  const response = await next();
  if (session.cookies.length > 0) {
    // A route that set session cookies itself (sign-in, sign-out) has the last word.
    const names = Object.values(sessionCookieNames(services.env));
    const alreadySet = response.headers
      .getSetCookie()
      .some((cookie) => names.some((name) => cookie.startsWith(`${name}=`)));
    if (!alreadySet) for (const cookie of session.cookies) response.headers.append("Set-Cookie", cookie);
  }
  return response;
};

/**
 * The signed-in customer, or: a redirect to /login for page requests, 401 for API requests.
 * Every protected loader and action starts with this.
 */
export function requireCustomer({ request, context }: { request: Request; context: Context }): Viewer {
  const viewer = getViewer(context);
  if (viewer) return viewer;
  if (wantsJson(request))
    throw new HttpError(401, "unauthenticated", "Sign in with your wallet first.").toResponse();
  const url = new URL(request.url);
  const back = request.method === "GET" ? `${url.pathname}${url.search}` : url.pathname;
  throw redirect(`/login?redirectTo=${encodeURIComponent(back)}`);
}

export interface SignedIn {
  customerId: number;
  address: string;
  created: boolean;
  cookies: string[];
}

/**
 * POST /auth/verify: prove the wallet (remix-auth strategy), then in one transaction consume the
 * nonce, create the customer on first sign-in, open a session and log the sign-in.
 */
export async function signInWithWallet(request: Request, context: Context): Promise<SignedIn> {
  const services = getServices(context);
  const { ip } = getRequestInfo(context);
  const authenticator = new Authenticator<SignedIn>();
  authenticator.use(
    new SuiWalletStrategy({ db: services.db, clock: services.clock }, async ({ address, nonce }) => {
      const now = services.clock.now();
      return services.db.transaction(async (tx) => {
        if (!(await consumeChallenge(tx, nonce, now))) {
          throw new HttpError(401, "challenge_used", "This challenge was already used. Request a new one.");
        }
        const customer = await findOrCreateCustomer(tx, address, now);
        if (customer.status === "closed") {
          throw new HttpError(403, "account_closed", "This account is closed.");
        }
        await tx
          .update(customers)
          .set({ lastLoginAt: now })
          .where(eq(customers.customerId, customer.customerId));
        const session = await createSession(tx, services, {
          customerId: customer.customerId,
          address,
          ip,
          userAgent: request.headers.get("user-agent"),
        });
        await recordActivity(tx, {
          customerId: customer.customerId,
          kind: "auth",
          action: "auth.sign_in",
          summary: customer.created ? "Signed in for the first time (account created)" : "Signed in",
          actorAddress: address,
          ip,
          at: now,
        });
        return {
          customerId: customer.customerId,
          address,
          created: customer.created,
          cookies: session.cookies,
        };
      });
    }),
  );
  return authenticator.authenticate("sui-wallet", request);
}
