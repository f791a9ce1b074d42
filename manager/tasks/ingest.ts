// Ingest (spec §7.1): read new lines from the configured HAProxy log files. (The syslog receiver
// runs continuously beside the schedule; see manager/ingest/syslog.ts.)

import type { ManagerTask } from "../cycle.ts";
import { addSummary, emptySummary, ingestFile } from "../ingest/line-source.ts";

export const ingestTask: ManagerTask = {
  name: "ingest",
  async run({ database, env, clock, logger, signal }) {
    let total = emptySummary();
    for (const file of env.ingestFiles) {
      if (signal.aborted) break;
      total = addSummary(total, await ingestFile(database, file, { now: () => clock.now(), logger, signal }));
    }
    return { files: env.ingestFiles.length, ...total };
  },
};
