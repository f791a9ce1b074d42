// `npm start`: build the app if build/ is missing or stale, then serve it (server.js).
import { buildIfStale } from "./build-if-stale.mjs";

try {
  buildIfStale();
} catch (error) {
  console.error(`suiftly: ${error.message}`);
  process.exit(1);
}
await import("../server.js");
