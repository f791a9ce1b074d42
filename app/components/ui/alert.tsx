import { cva, type VariantProps } from "class-variance-authority";
import type { HTMLAttributes } from "react";
import { cn } from "#app/lib/utils.ts";

const alertVariants = cva("flex rounded-md border px-4 py-3 text-sm", {
  variants: {
    // row: an icon beside the text; stack: blocks one under the other (the caller sets the gap).
    layout: { row: "items-start gap-3", stack: "flex-col" },
    tone: {
      info: "border-brand-100 bg-brand-50 text-brand-700 dark:border-brand-700/40 dark:bg-brand-700/15 dark:text-brand-100",
      warning:
        "border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-700/40 dark:bg-amber-900/20 dark:text-amber-200",
      danger:
        "border-red-200 bg-red-50 text-red-900 dark:border-red-800/50 dark:bg-red-950/40 dark:text-red-200",
      success:
        "border-emerald-200 bg-emerald-50 text-emerald-900 dark:border-emerald-800/50 dark:bg-emerald-950/40 dark:text-emerald-200",
    },
  },
  defaultVariants: { tone: "info", layout: "row" },
});

export type AlertProps = HTMLAttributes<HTMLDivElement> & VariantProps<typeof alertVariants>;

export function Alert({ className, tone, layout, role, ...props }: AlertProps) {
  return (
    <div
      role={role ?? (tone === "danger" ? "alert" : "status")}
      className={cn(alertVariants({ tone, layout }), className)}
      {...props}
    />
  );
}
