import { ScrollText } from "lucide-react";
import { EmptyState } from "#app/components/empty-state.tsx";

// Request logs come from the edge's HAProxy logs once the manager ingests them (a later step).
export default function ServiceLogs() {
  return (
    <EmptyState icon={ScrollText} title="No request logs yet">
      Your recent requests appear here once the manager ingests the edge's request logs.
    </EmptyState>
  );
}
