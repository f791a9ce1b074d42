import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteLoaderData,
} from "react-router";
import type { Route } from "./+types/root";
import stylesheet from "./app.css?url";
import { AppShell, type ShellData } from "./components/layout/app-shell.tsx";
import type { SidebarService } from "./components/layout/sidebar.tsx";
import { walletSummary } from "./domain/billing/overview.ts";
import { SERVICES } from "./domain/catalog.ts";
import { serviceStates } from "./domain/dashboard.ts";
import { getViewer, sessionMiddleware } from "./lib/auth.server.ts";
import { customerSnapshot } from "./lib/customer-snapshot.server.ts";
import { flashMiddleware, getFlash } from "./lib/flash.server.ts";
import { isHttpError } from "./lib/http-errors.server.ts";
import { assertBodySize, assertSameOrigin } from "./lib/request-guards.server.ts";
import { getServices, requestContext, servicesContext } from "./lib/services.server.ts";
import { type Theme, themeFromCookieHeader } from "./lib/theme.ts";

export const links: Route.LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: Route.MetaFunction = () => [
  { title: "Suiftly — managed Sui infrastructure" },
  {
    name: "description",
    content: "Seal key servers and gRPC endpoints for Sui, paid from an on-chain escrow.",
  },
];

/** Development only: `react-router dev` has no server to inject services, so start them here. */
const ensureServices: Route.MiddlewareFunction = async ({ context }, next) => {
  if (!context.get(servicesContext)) {
    if (!import.meta.env.DEV) throw new Error("App services were not provided by the server");
    const { getDevServices } = await import("./lib/dev-services.server.ts");
    const services = await getDevServices();
    context.set(servicesContext, services);
    context.set(requestContext, { requestId: crypto.randomUUID(), log: services.logger, ip: "127.0.0.1" });
  }
  return next();
};

/** Origin and body-size checks on every mutating request, before any action runs. */
const guardRequests: Route.MiddlewareFunction = async ({ request, context }, next) => {
  try {
    assertSameOrigin(request, getServices(context));
    assertBodySize(request);
  } catch (error) {
    if (isHttpError(error)) throw error.toResponse();
    throw error;
  }
  return next();
};

export const middleware: Route.MiddlewareFunction[] = [
  ensureServices,
  guardRequests,
  sessionMiddleware,
  flashMiddleware,
];

export async function loader({ request, context }: Route.LoaderArgs): Promise<ShellData> {
  const theme = themeFromCookieHeader(request.headers.get("cookie"));
  const viewer = getViewer(context);
  const flash = getFlash(context);
  const snapshot = viewer ? await customerSnapshot({ request, context }, viewer) : null;
  const states = snapshot ? serviceStates(snapshot) : new Map();
  const services: SidebarService[] = SERVICES.map((service) => {
    const state = states.get(service.type);
    return {
      type: service.type,
      name: service.name,
      status: !service.available ? "coming_soon" : !state || state === "cancelled" ? "not_configured" : state,
    };
  });
  if (!viewer || !snapshot) return { theme, services, wallet: null, banners: null, flash };
  const summary = walletSummary(snapshot);
  return {
    theme,
    services,
    flash,
    wallet: {
      address: viewer.address,
      balanceCents: summary.balanceCents,
      // What the wallet menu lists of each entry.
      recent: summary.recent.map(({ id, kind, amountCents }) => ({ id, kind, amountCents })),
    },
    banners: {
      lowBalance: summary.lowBalance,
      balanceCents: summary.balanceCents,
      nextMonthFeesCents: summary.nextMonthFeesCents,
      amountDueCents: summary.amountDueCents,
      overdue: summary.paymentOverdueSince !== null,
      suspended: summary.suspended,
    },
  };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const rootData = useRouteLoaderData<typeof loader>("root");
  const theme: Theme = rootData?.theme ?? "system";
  return (
    <html lang="en" data-theme={theme}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App({ loaderData }: Route.ComponentProps) {
  return (
    <AppShell shell={loaderData}>
      <Outlet />
    </AppShell>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const rootData = useRouteLoaderData<typeof loader>("root");
  let title = "Something went wrong";
  let message = "An unexpected error occurred. Please try again; if it keeps happening, contact support.";
  let stack: string | undefined;
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) {
      title = "Page not found";
      message = "There is nothing at this address. Check the link, or go back to the dashboard.";
    } else {
      title = `${error.status} ${error.statusText || "Error"}`;
      if (typeof error.data === "string" && error.data) message = error.data;
    }
  } else if (import.meta.env.DEV && error instanceof Error) {
    // Stack traces are for developers only: production builds never render them.
    message = error.message;
    stack = error.stack;
  }
  const content = (
    <section aria-labelledby="error-title" className="py-10">
      <h1 id="error-title" className="text-2xl font-semibold">
        {title}
      </h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">{message}</p>
      <p className="mt-6">
        <a href="/dashboard" className="text-link underline underline-offset-2">
          Back to the dashboard
        </a>
      </p>
      {stack ? (
        <pre className="mt-6 overflow-x-auto rounded bg-zinc-100 p-4 text-xs dark:bg-zinc-900">{stack}</pre>
      ) : null}
    </section>
  );
  if (!rootData) return <main className="mx-auto max-w-3xl px-4">{content}</main>;
  return <AppShell shell={rootData}>{content}</AppShell>;
}
