import { MockSealRegistrar, type SealRegistrar } from "#app/domain/seal-registrar.ts";
import type { ManagerTask } from "../cycle.ts";
import { balancesTask } from "./balances.ts";
import { billTask } from "./bill.ts";
import { cleanupTask } from "./cleanup.ts";
import { ingestTask } from "./ingest.ts";
import { meterTask } from "./meter.ts";
import { sealRegistrationsTask } from "./seal-registrations.ts";
import { vaultTask } from "./vault.ts";

/** The cycle's tasks, in the order of spec §7. */
export function managerTasks(registrar: SealRegistrar = new MockSealRegistrar()): readonly ManagerTask[] {
  return [
    ingestTask,
    meterTask,
    billTask,
    balancesTask,
    sealRegistrationsTask(registrar),
    vaultTask,
    cleanupTask,
  ];
}
