// Reading request bodies safely: size-capped, JSON or form-encoded, never throwing a 500.
import { HttpError } from "./http-errors.server.ts";

/** Mutating requests larger than this are refused with 413 (forms here are small). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Read a JSON or urlencoded/multipart form body into a plain object of strings.
 * Refuses bodies over `maxBytes` (413) and malformed JSON (400).
 */
export async function readBody(
  request: Request,
  maxBytes = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new HttpError(413, "body_too_large", `Request body is larger than ${maxBytes} bytes.`);
  }
  const buffer = await request.arrayBuffer();
  if (buffer.byteLength > maxBytes) {
    throw new HttpError(413, "body_too_large", `Request body is larger than ${maxBytes} bytes.`);
  }
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  const text = new TextDecoder("utf-8", { fatal: false }).decode(buffer);
  if (type.includes("application/json")) {
    if (text.trim() === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HttpError(400, "invalid_json", "Request body is not valid JSON.");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new HttpError(400, "invalid_json", "Request body must be a JSON object.");
    }
    return parsed as Record<string, unknown>;
  }
  if (type.includes("application/x-www-form-urlencoded") || type === "") {
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (type.includes("multipart/form-data")) {
    const form = await parseForm(new Response(buffer, { headers: { "content-type": type } }));
    const result: Record<string, unknown> = {};
    for (const [key, value] of form) if (typeof value === "string") result[key] = value;
    return result;
  }
  throw new HttpError(415, "unsupported_media_type", "Send JSON or a form.");
}

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/**
 * The submitted form of a page's action. Anything but a form (JSON, text, bytes) is refused with
 * 415 and a form that cannot be parsed (a multipart body without its boundary) with 400, as thrown
 * responses the route's error boundary renders — never an exception that becomes a 500.
 */
export async function readForm(request: Request): Promise<FormData> {
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (!FORM_TYPES.some((form) => type.startsWith(form))) {
    throw new HttpError(415, "unsupported_media_type", "Send the form as a form.").toResponse();
  }
  return parseForm(request).catch((error: HttpError) => {
    throw error.toResponse();
  });
}

async function parseForm(body: Request | Response): Promise<FormData> {
  try {
    return await body.formData();
  } catch {
    throw new HttpError(400, "malformed_form", "The form data could not be read.");
  }
}

/** Whether the client asked for JSON (API use) rather than an HTML page (plain form). */
export function wantsJson(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  const type = request.headers.get("content-type") ?? "";
  return (
    type.includes("application/json") ||
    (accept.includes("application/json") && !accept.includes("text/html"))
  );
}
