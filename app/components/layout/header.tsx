import { Menu } from "lucide-react";
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { Theme } from "#app/lib/theme.ts";
import { SidebarNav, type SidebarService } from "./sidebar.tsx";
import { ThemeToggle } from "./theme-toggle.tsx";

export function Header({
  theme,
  services,
  wallet,
}: {
  theme: Theme;
  services: SidebarService[];
  /** The wallet area (widget when signed in, connect link otherwise). */
  wallet: ReactNode;
}) {
  return (
    <header className="no-print sticky top-0 z-20 flex h-14 items-center gap-3 border-b border-zinc-200 bg-white/90 px-4 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/90">
      {/* Small screens: the sidebar folds into a disclosure menu that works without JavaScript. */}
      <details className="relative md:hidden">
        <summary className="flex h-8 w-8 cursor-pointer list-none items-center justify-center rounded-md hover:bg-zinc-100 dark:hover:bg-zinc-800">
          <Menu className="h-5 w-5" aria-hidden />
          <span className="sr-only">Menu</span>
        </summary>
        <div className="absolute top-10 left-0 w-60 rounded-md border border-zinc-200 bg-white shadow-lg dark:border-zinc-800 dark:bg-zinc-950">
          <SidebarNav services={services} />
        </div>
      </details>
      <Link to="/" className="flex items-center gap-2 font-semibold tracking-tight">
        <span
          aria-hidden
          className="inline-flex h-7 w-7 items-center justify-center rounded-md bg-brand-600 text-sm text-white"
        >
          S
        </span>
        Suiftly
      </Link>
      <div className="ml-auto flex items-center gap-3">
        <ThemeToggle theme={theme} />
        {wallet}
      </div>
    </header>
  );
}
