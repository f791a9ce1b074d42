import { Link } from "react-router";

export function DemoBanner() {
  return (
    <div
      role="status"
      className="no-print border-b border-amber-200 bg-amber-50 px-4 py-2 text-center text-sm text-amber-900 dark:border-amber-800/50 dark:bg-amber-950/40 dark:text-amber-200"
    >
      <strong className="font-semibold">Demo mode</strong> — you are browsing with placeholder data.{" "}
      <Link to="/login" className="font-medium underline underline-offset-2">
        Connect a wallet
      </Link>{" "}
      to manage your own services.
    </div>
  );
}
