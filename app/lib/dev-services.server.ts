// `react-router dev` has no custom server to hand services to the routes, so in development the
// root middleware starts one runtime lazily (settings from the environment, PGlite by default,
// the manager schedule in-process) and keeps it across hot reloads. Rendered pages are not kept
// (PAGE_CACHE_MB is ignored): an edited component renders differently for the same data.
import { startRuntime } from "#server/runtime.ts";
import { loadEnv } from "./env.server.ts";
import type { AppServices } from "./services.server.ts";

const KEY = Symbol.for("suiftly.devServices");
type Holder = { [KEY]?: Promise<AppServices> };

export function getDevServices(): Promise<AppServices> {
  const holder = globalThis as Holder;
  holder[KEY] ??= startRuntime({ env: { ...loadEnv(), pageCacheBytes: 0 } }).then(
    (runtime) => runtime.services,
  );
  return holder[KEY];
}
