// Client-only: dApp Kit (wallet standard + its web-component ConnectButton) cannot render on the
// server, so the login page imports this module lazily after mount. Connect a wallet, then sign
// the server's challenge; the server verifies the signature and sets the session cookies.
import { createDAppKit, DAppKitProvider, useCurrentAccount, useDAppKit } from "@mysten/dapp-kit-react";
import { ConnectButton } from "@mysten/dapp-kit-react/ui";
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { useMemo, useState } from "react";
import { Button } from "#app/components/ui/button.tsx";
import { type AppSuiNetwork, FULLNODE_URLS, walletNetworkFor } from "./wallet-network.ts";

interface ApiError {
  error?: { message?: string; fields?: Record<string, string[]> };
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const payload = (await response.json().catch(() => ({}))) as T & ApiError;
  if (!response.ok) {
    const fields = payload.error?.fields ? Object.values(payload.error.fields).flat().join(" ") : "";
    throw new Error(
      [payload.error?.message ?? `Request failed (${response.status})`, fields].join(" ").trim(),
    );
  }
  return payload;
}

function SignInWithAccount({ redirectTo }: { redirectTo: string }) {
  const account = useCurrentAccount();
  const dAppKit = useDAppKit();
  const [status, setStatus] = useState<"idle" | "signing" | "done">("idle");
  const [error, setError] = useState<string | null>(null);

  async function signIn() {
    if (!account) return;
    setStatus("signing");
    setError(null);
    try {
      const challenge = await postJson<{ message: string }>("/auth/challenge", { address: account.address });
      const signed = await dAppKit.signPersonalMessage({
        message: new TextEncoder().encode(challenge.message),
      });
      await postJson("/auth/verify", {
        address: account.address,
        message: challenge.message,
        signature: signed.signature,
      });
      setStatus("done");
      // A full load so every server-rendered part of the page sees the new session.
      window.location.assign(redirectTo);
    } catch (cause) {
      setStatus("idle");
      setError(cause instanceof Error ? cause.message : "Sign-in failed.");
    }
  }

  return (
    <div className="flex flex-col items-start gap-4">
      <ConnectButton />
      {account ? (
        <div className="flex flex-col gap-2">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Connected as <span className="font-mono">{account.address}</span>
          </p>
          <Button onClick={signIn} disabled={status !== "idle"}>
            {status === "signing"
              ? "Waiting for signature…"
              : status === "done"
                ? "Signed in"
                : "Sign in with this wallet"}
          </Button>
        </div>
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Connect a wallet to continue.</p>
      )}
      {error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export default function WalletSignIn({
  network,
  redirectTo,
}: {
  network: AppSuiNetwork;
  redirectTo: string;
}) {
  const dAppKit = useMemo(() => {
    const walletNetwork = walletNetworkFor(network);
    return createDAppKit({
      networks: [walletNetwork],
      createClient: (name) => {
        const client = new SuiGrpcClient({ network: name, baseUrl: FULLNODE_URLS[name] });
        if (network === "mock") {
          // The simulated chain has no node and no name service: answer "no name" without a request.
          client.core.defaultNameServiceName = async () => ({ data: { name: null } });
        }
        return client;
      },
      // Development, demo and tests sign in with a throwaway in-browser key (mock chain only).
      enableBurnerWallet: network === "mock",
      // The Slush web wallet needs the real network; it has nothing to do on the mock chain.
      ...(network === "mock" ? { slushWalletConfig: null } : {}),
      autoConnect: false,
    });
  }, [network]);

  return (
    <DAppKitProvider dAppKit={dAppKit}>
      <SignInWithAccount redirectTo={redirectTo} />
    </DAppKitProvider>
  );
}
