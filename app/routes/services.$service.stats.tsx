import { BarChart3 } from "lucide-react";
import { EmptyState } from "#app/components/empty-state.tsx";

// Charts come from hourly usage rollups, which the manager's metering task fills (a later step).
export default function ServiceStats() {
  return (
    <EmptyState icon={BarChart3} title="No usage statistics yet">
      Request counts, bandwidth and latency appear here once the manager meters traffic from the edge logs.
    </EmptyState>
  );
}
