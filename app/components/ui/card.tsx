import { cva, type VariantProps } from "class-variance-authority";
import type { HTMLAttributes } from "react";
import { cn } from "#app/lib/utils.ts";

export function Card({ className, ...props }: HTMLAttributes<HTMLDivElement>) {
  return (
    <div
      className={cn(
        "rounded-lg border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900",
        className,
      )}
      {...props}
    />
  );
}

export function CardHeader({ className, ...props }: HTMLAttributes<HTMLDivElement>) {
  return <div className={cn("flex flex-col gap-1 p-5 pb-3", className)} {...props} />;
}

const cardTitleVariants = cva("font-semibold", {
  // lg/xl: a card whose title is its headline figure (a balance, a total).
  variants: { size: { md: "text-base", lg: "text-2xl", xl: "text-3xl" } },
  defaultVariants: { size: "md" },
});

export function CardTitle({
  className,
  size,
  ...props
}: HTMLAttributes<HTMLHeadingElement> & VariantProps<typeof cardTitleVariants>) {
  return <h2 className={cn(cardTitleVariants({ size }), className)} {...props} />;
}

export function CardDescription({ className, ...props }: HTMLAttributes<HTMLParagraphElement>) {
  return <p className={cn("text-sm text-muted", className)} {...props} />;
}

export function CardContent({ className, ...props }: HTMLAttributes<HTMLDivElement>) {
  // No top padding of its own (it follows a CardHeader); a card without a header adds `pt-5`.
  return <div className={cn("px-5 pb-5", className)} {...props} />;
}
