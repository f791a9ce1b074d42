// Data tables in cards (usage, charges, ledger, invoices, an invoice's lines, API keys): one look
// for all of them. Cells take an `align` variant; callers add only what the base does not set
// (horizontal padding, wrapping, a font), never another colour, weight or vertical padding.
import { cva, type VariantProps } from "class-variance-authority";
import type { HTMLAttributes, TdHTMLAttributes, ThHTMLAttributes } from "react";
import { cn } from "#app/lib/utils.ts";

export function Table({ className, ...props }: HTMLAttributes<HTMLTableElement>) {
  return <table className={cn("w-full text-sm tabular-nums", className)} {...props} />;
}

export function TableHeader({ className, ...props }: HTMLAttributes<HTMLTableSectionElement>) {
  return <thead className={cn("text-xs font-medium text-muted", className)} {...props} />;
}

export function TableBody(props: HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody {...props} />;
}

export function TableFooter({ className, ...props }: HTMLAttributes<HTMLTableSectionElement>) {
  return <tfoot className={cn("font-semibold", className)} {...props} />;
}

/** A body or footer row, ruled off from the row above (the header's row is a plain `<tr>`). */
export function TableRow({ className, ...props }: HTMLAttributes<HTMLTableRowElement>) {
  return <tr className={cn("border-t border-zinc-100 dark:border-zinc-800", className)} {...props} />;
}

const cellVariants = cva("py-1.5", {
  variants: { align: { left: "text-left", right: "text-right" } },
  defaultVariants: { align: "left" },
});

export function TableHead({
  className,
  align,
  ...props
}: ThHTMLAttributes<HTMLTableCellElement> & VariantProps<typeof cellVariants>) {
  // The weight is the section's (medium in the header, semibold in the footer), not the browser's bold.
  return (
    <th scope="col" className={cn(cellVariants({ align }), "[font-weight:inherit]", className)} {...props} />
  );
}

export function TableCell({
  className,
  align,
  ...props
}: TdHTMLAttributes<HTMLTableCellElement> & VariantProps<typeof cellVariants>) {
  return <td className={cn(cellVariants({ align }), className)} {...props} />;
}
