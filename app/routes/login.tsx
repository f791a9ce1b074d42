import { Wallet } from "lucide-react";
import { type ComponentType, useEffect, useState } from "react";
import { data, redirect } from "react-router";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { PageHeader } from "#app/components/ui/page-header.tsx";
import type { AppSuiNetwork } from "#app/components/wallet/wallet-network.ts";
import { getViewer } from "#app/lib/auth.server.ts";
import { safeRedirectPath } from "#app/lib/safe-redirect.ts";
import { getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/login";

export const meta = () => [{ title: "Sign in · Suiftly" }];

export function loader({ request, context }: Route.LoaderArgs) {
  const url = new URL(request.url);
  const redirectTo = safeRedirectPath(url.searchParams.get("redirectTo"), "/dashboard");
  if (getViewer(context)) throw redirect(redirectTo);
  return data({ network: getServices(context).env.suiNetwork as AppSuiNetwork, redirectTo });
}

type WalletSignInComponent = ComponentType<{ network: AppSuiNetwork; redirectTo: string }>;

export default function Login({ loaderData }: Route.ComponentProps) {
  const [WalletSignIn, setWalletSignIn] = useState<WalletSignInComponent | null>(null);
  const [loadError, setLoadError] = useState(false);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => {
    setHydrated(true);
    // The wallet kit is browser-only and heavy: load it after mount, on this page only.
    import("#app/components/wallet/wallet-sign-in.client.tsx").then(
      (module) => setWalletSignIn(() => module.default),
      () => setLoadError(true),
    );
  }, []);

  return (
    <>
      <PageHeader title="Sign in" description="Suiftly accounts are Sui wallets: no email, no password." />
      <Card className="max-w-xl">
        <CardHeader>
          <CardTitle className="flex items-center gap-2">
            <Wallet className="h-5 w-5" aria-hidden /> Connect your wallet
          </CardTitle>
          <CardDescription>
            Your wallet signs a one-time message to prove the address is yours. Signing costs nothing and
            moves no funds.
            {loaderData.network === "mock"
              ? " This server runs on a simulated chain: use the burner wallet to try it without an extension."
              : null}
          </CardDescription>
        </CardHeader>
        <CardContent>
          {!hydrated ? (
            // What the server renders, and what stays when JavaScript is off.
            <p className="text-sm text-amber-800 dark:text-amber-200">
              Signing in needs JavaScript: the wallet signs the message in your browser. Every other page
              works without it.
            </p>
          ) : WalletSignIn ? (
            <WalletSignIn network={loaderData.network} redirectTo={loaderData.redirectTo} />
          ) : loadError ? (
            <p role="alert" className="text-sm text-red-700">
              The wallet kit failed to load. Reload the page to try again.
            </p>
          ) : (
            <p className="text-sm text-muted" data-testid="wallet-loading">
              Loading wallets…
            </p>
          )}
        </CardContent>
      </Card>
    </>
  );
}
