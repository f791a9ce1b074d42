import type { ReactNode } from "react";
import { Form, Link } from "react-router";
import { shortAddress } from "#app/lib/format.ts";
import type { Theme } from "#app/lib/theme.ts";
import { DemoBanner } from "./demo-banner.tsx";
import { Header } from "./header.tsx";
import { SidebarNav, type SidebarService } from "./sidebar.tsx";

export interface ShellViewer {
  address: string;
}

export function AppShell({
  theme,
  viewer,
  services,
  children,
}: {
  theme: Theme;
  viewer: ShellViewer | null;
  services: SidebarService[];
  children: ReactNode;
}) {
  const wallet = viewer ? (
    <div className="flex items-center gap-2">
      <span
        className="rounded-md border border-zinc-200 px-2 py-1 font-mono text-xs dark:border-zinc-800"
        title={viewer.address}
        data-testid="viewer-address"
      >
        {shortAddress(viewer.address)}
      </span>
      <Form method="post" action="/auth/logout" reloadDocument>
        <button
          type="submit"
          className="inline-flex h-8 items-center rounded-md px-2 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
        >
          Sign out
        </button>
      </Form>
    </div>
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
      <Header theme={theme} services={services} wallet={wallet} />
      {viewer ? null : <DemoBanner />}
      <div className="flex flex-1">
        <aside className="no-print hidden w-60 shrink-0 border-r border-zinc-200 md:block dark:border-zinc-800">
          <SidebarNav services={services} />
        </aside>
        <main id="main" className="min-w-0 flex-1 px-4 py-6 md:px-8">
          <div className="mx-auto max-w-6xl">{children}</div>
        </main>
      </div>
    </div>
  );
}
