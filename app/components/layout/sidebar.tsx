import { Activity, CreditCard, Gauge, LifeBuoy, type LucideIcon } from "lucide-react";
import { NavLink } from "react-router";
import { cn } from "#app/lib/utils.ts";
import { type ServiceStatus, StatusDot } from "./status-dot.tsx";

export interface SidebarService {
  type: string;
  name: string;
  status: ServiceStatus;
}

const linkClass = ({ isActive }: { isActive: boolean }) =>
  cn(
    "flex items-center gap-2.5 rounded-md px-3 py-2 text-sm font-medium",
    isActive
      ? "bg-zinc-200/70 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-50"
      : "text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-900 dark:hover:text-zinc-100",
  );

function Item({ to, icon: Icon, label }: { to: string; icon: LucideIcon; label: string }) {
  return (
    <NavLink to={to} className={linkClass}>
      <Icon className="h-4 w-4" aria-hidden />
      {label}
    </NavLink>
  );
}

export function SidebarNav({ services }: { services: SidebarService[] }) {
  return (
    <nav aria-label="Main" className="flex flex-col gap-1 p-3">
      <Item to="/dashboard" icon={Gauge} label="Dashboard" />
      <p className="mt-4 mb-1 px-3 text-xs font-semibold tracking-wide text-muted uppercase">Services</p>
      {services.map((service) => (
        <NavLink key={service.type} to={`/services/${service.type}`} className={linkClass}>
          <StatusDot status={service.status} className="mx-1" />
          {service.name}
        </NavLink>
      ))}
      <p className="mt-4 mb-1 px-3 text-xs font-semibold tracking-wide text-muted uppercase">Account</p>
      <Item to="/billing" icon={CreditCard} label="Billing" />
      <Item to="/activity" icon={Activity} label="Activity" />
      <Item to="/support" icon={LifeBuoy} label="Support" />
    </nav>
  );
}
