import type { ReactNode } from "react";
import { Link } from "react-router";
import { Alert } from "#app/components/ui/alert.tsx";
import { WalletWidget, type WalletWidgetData } from "#app/components/wallet/wallet-widget.tsx";
import type { Theme } from "#app/lib/theme.ts";
import { AccountBanners, type BannerData } from "./banners.tsx";
import { DemoBanner } from "./demo-banner.tsx";
import { Header } from "./header.tsx";
import { SidebarNav, type SidebarService } from "./sidebar.tsx";

export interface ShellData {
  theme: Theme;
  services: SidebarService[];
  /** Null in demo mode. */
  wallet: WalletWidgetData | null;
  banners: BannerData | null;
  flash: { tone: "success" | "info" | "warning"; message: string } | null;
}

export function AppShell({ shell, children }: { shell: ShellData; children: ReactNode }) {
  const wallet = shell.wallet ? (
    <WalletWidget wallet={shell.wallet} />
  ) : (
    <Link
      to="/login"
      className="inline-flex h-8 items-center rounded-md bg-brand-600 px-3 text-sm font-medium text-white hover:bg-brand-700"
    >
      Connect wallet
    </Link>
  );
  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 dark:focus:bg-zinc-900"
      >
        Skip to content
      </a>
      <Header theme={shell.theme} services={shell.services} wallet={wallet} />
      {shell.wallet ? null : <DemoBanner />}
      <div className="flex flex-1">
        <aside className="no-print hidden w-60 shrink-0 border-r border-zinc-200 md:block dark:border-zinc-800">
          <SidebarNav services={shell.services} />
        </aside>
        <main id="main" className="min-w-0 flex-1 px-4 py-6 md:px-8">
          <div className="mx-auto max-w-6xl">
            {shell.flash ? (
              <Alert tone={shell.flash.tone} className="no-print mb-4" data-testid="flash">
                {shell.flash.message}
              </Alert>
            ) : null}
            {shell.banners ? <AccountBanners banners={shell.banners} /> : null}
            {children}
          </div>
        </main>
      </div>
    </div>
  );
}
