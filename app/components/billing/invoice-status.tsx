import { Badge } from "#app/components/ui/badge.tsx";

const TONES = {
  paid: "success",
  pending: "brand",
  failed: "danger",
  voided: "neutral",
} as const;

const LABELS = { paid: "Paid", pending: "Pending", failed: "Failed", voided: "Voided" } as const;

export function InvoiceStatusBadge({ status }: { status: keyof typeof TONES }) {
  return <Badge tone={TONES[status]}>{LABELS[status]}</Badge>;
}
