import { Monitor, Moon, Sun } from "lucide-react";
import { useFetcher, useLocation } from "react-router";
import { isTheme, type Theme } from "#app/lib/theme.ts";
import { cn } from "#app/lib/utils.ts";

const OPTIONS: { value: Theme; label: string; Icon: typeof Sun }[] = [
  { value: "light", label: "Light theme", Icon: Sun },
  { value: "dark", label: "Dark theme", Icon: Moon },
  { value: "system", label: "System theme", Icon: Monitor },
];

/** Three submit buttons posting to /theme: works without JavaScript, optimistic with it. */
export function ThemeToggle({ theme }: { theme: Theme }) {
  const fetcher = useFetcher();
  const location = useLocation();
  const pending = fetcher.formData?.get("theme");
  const current = isTheme(pending) ? pending : theme;
  return (
    <fetcher.Form
      method="post"
      action="/theme"
      className="flex items-center rounded-md border border-zinc-200 p-0.5 dark:border-zinc-800"
      aria-label="Colour theme"
    >
      <input type="hidden" name="redirectTo" value={`${location.pathname}${location.search}`} />
      {OPTIONS.map(({ value, label, Icon }) => (
        <button
          key={value}
          type="submit"
          name="theme"
          value={value}
          aria-label={label}
          aria-pressed={current === value}
          title={label}
          className={cn(
            "inline-flex h-7 w-7 items-center justify-center rounded",
            current === value
              ? "bg-zinc-100 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100"
              : "text-muted hover:text-zinc-900 dark:hover:text-zinc-100",
          )}
        >
          <Icon className="h-4 w-4" aria-hidden />
        </button>
      ))}
    </fetcher.Form>
  );
}
