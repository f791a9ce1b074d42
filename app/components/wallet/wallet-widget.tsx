// The header's wallet widget (spec §4): balance and address; a menu with deposit, withdraw, recent
// activity and disconnect. A <details> disclosure, so it opens without JavaScript.
import { ArrowDownToLine, ArrowUpFromLine, ChevronDown, History, LogOut } from "lucide-react";
import { Form, Link } from "react-router";
import { formatCents, shortAddress } from "#app/lib/format.ts";

export interface WalletWidgetData {
  address: string;
  balanceCents: number;
  recent: { id: number; kind: string; amountCents: number }[];
}

const KIND_LABEL: Record<string, string> = {
  deposit: "Deposit",
  withdraw: "Withdrawal",
  charge: "Charge",
  credit: "Credit",
};

export function WalletWidget({ wallet }: { wallet: WalletWidgetData }) {
  return (
    <details className="group relative" data-testid="wallet-widget">
      <summary className="flex h-9 cursor-pointer list-none items-center gap-2 rounded-md border border-zinc-200 px-3 text-sm hover:bg-zinc-100 dark:border-zinc-800 dark:hover:bg-zinc-900">
        <span className="font-semibold tabular-nums" data-testid="wallet-balance">
          {formatCents(wallet.balanceCents)}
        </span>
        <span
          className="hidden font-mono text-xs text-muted sm:inline"
          title={wallet.address}
          data-testid="viewer-address"
        >
          {shortAddress(wallet.address)}
        </span>
        <ChevronDown className="h-4 w-4 text-zinc-400 group-open:rotate-180" aria-hidden />
        <span className="sr-only">Wallet menu</span>
      </summary>
      <div className="absolute right-0 z-30 mt-2 w-72 rounded-lg border border-zinc-200 bg-white p-2 shadow-lg dark:border-zinc-800 dark:bg-zinc-950">
        <div className="px-2 py-2">
          <p className="text-xs text-muted">Escrow balance</p>
          <p className="text-lg font-semibold tabular-nums">{formatCents(wallet.balanceCents)}</p>
          <p className="mt-1 font-mono text-xs break-all text-muted">{wallet.address}</p>
        </div>
        <nav aria-label="Wallet" className="flex flex-col">
          <Link
            to="/billing#deposit"
            className="flex items-center gap-2 rounded-md px-2 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-900"
          >
            <ArrowDownToLine className="h-4 w-4" aria-hidden /> Deposit
          </Link>
          <Link
            to="/billing#withdraw"
            className="flex items-center gap-2 rounded-md px-2 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-900"
          >
            <ArrowUpFromLine className="h-4 w-4" aria-hidden /> Withdraw
          </Link>
          <Link
            to="/activity"
            className="flex items-center gap-2 rounded-md px-2 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-900"
          >
            <History className="h-4 w-4" aria-hidden /> Recent activity
          </Link>
        </nav>
        {wallet.recent.length > 0 ? (
          <ul className="mx-2 my-1 border-t border-zinc-200 pt-2 text-xs dark:border-zinc-800">
            {wallet.recent.map((entry) => (
              <li key={entry.id} className="flex justify-between py-1 text-zinc-600 dark:text-zinc-400">
                <span>{KIND_LABEL[entry.kind] ?? entry.kind}</span>
                <span className="tabular-nums">
                  {entry.kind === "deposit" || entry.kind === "credit" ? "+" : "−"}
                  {formatCents(entry.amountCents)}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
        <Form
          method="post"
          action="/auth/logout"
          reloadDocument
          className="mt-1 border-t border-zinc-200 pt-1 dark:border-zinc-800"
        >
          <button
            type="submit"
            className="flex w-full items-center gap-2 rounded-md px-2 py-2 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-900"
          >
            <LogOut className="h-4 w-4" aria-hidden /> Disconnect
          </button>
        </Form>
      </div>
    </details>
  );
}
