import { cn } from "#app/lib/utils.ts";

/** Sidebar/service status (spec §4): green enabled, blue disabled, grey not configured. */
export type ServiceStatus = "enabled" | "disabled" | "cancel_scheduled" | "not_configured" | "coming_soon";

const STYLES: Record<ServiceStatus, { dot: string; label: string }> = {
  enabled: { dot: "bg-emerald-500", label: "Enabled" },
  disabled: { dot: "bg-blue-500", label: "Disabled" },
  cancel_scheduled: { dot: "bg-amber-500", label: "Cancellation scheduled" },
  not_configured: { dot: "bg-zinc-400 dark:bg-zinc-600", label: "Not configured" },
  coming_soon: { dot: "bg-zinc-300 dark:bg-zinc-700", label: "Coming soon" },
};

export function StatusDot({ status, className }: { status: ServiceStatus; className?: string }) {
  const style = STYLES[status];
  return (
    <span
      role="img"
      aria-label={style.label}
      title={style.label}
      className={cn("inline-block h-2 w-2 shrink-0 rounded-full", style.dot, className)}
    />
  );
}

export function statusLabel(status: ServiceStatus): string {
  return STYLES[status].label;
}
