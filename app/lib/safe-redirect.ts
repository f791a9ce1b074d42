/**
 * A redirect target taken from user input must stay on this site: only absolute paths,
 * never `//host` or a backslash trick. Anything else falls back.
 */
export function safeRedirectPath(target: unknown, fallback = "/"): string {
  if (typeof target !== "string" || target.length > 2048) return fallback;
  if (!target.startsWith("/") || target.startsWith("//") || target.includes("\\")) return fallback;
  return target;
}
