// Request-level protections applied before any loader or action (spec §6):
// - mutating requests must come from our own origin (CSRF): a foreign or missing Origin
//   (falling back to Referer) is refused with 403;
// - mutating requests must declare a body size within MAX_BODY_BYTES (411/413).
import { HttpError } from "./http-errors.server.ts";
import { MAX_BODY_BYTES } from "./request-body.server.ts";
import type { AppServices } from "./services.server.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function originOf(value: string | null): string | undefined {
  if (!value || value === "null") return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

export function assertSameOrigin(request: Request, services: Pick<AppServices, "env">): void {
  if (SAFE_METHODS.has(request.method)) return;
  const allowed = new Set([services.env.appOrigin, new URL(request.url).origin]);
  const origin = originOf(request.headers.get("origin")) ?? originOf(request.headers.get("referer"));
  if (!origin || !allowed.has(origin)) {
    throw new HttpError(403, "forbidden_origin", "This request did not come from the Suiftly dashboard.");
  }
}

export function assertBodySize(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  const length = request.headers.get("content-length");
  if (length === null) {
    if (request.headers.has("transfer-encoding")) {
      throw new HttpError(411, "length_required", "Send a Content-Length with the request body.");
    }
    return;
  }
  const bytes = Number(length);
  if (!Number.isInteger(bytes) || bytes < 0) {
    throw new HttpError(400, "bad_content_length", "Invalid Content-Length.");
  }
  if (bytes > MAX_BODY_BYTES) {
    throw new HttpError(413, "body_too_large", `Request body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
}
