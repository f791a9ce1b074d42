import type { ManagerTask } from "../cycle.ts";
import { balancesTask } from "./balances.ts";
import { cleanupTask } from "./cleanup.ts";

/** The cycle's tasks, in order (spec §7). Later tasks are added here as they are built. */
export const managerTasks: readonly ManagerTask[] = [balancesTask, cleanupTask];
