// The colour theme is kept in a cookie so the server renders the right one on first paint.
export const THEMES = ["light", "dark", "system"] as const;
export type Theme = (typeof THEMES)[number];
export const THEME_COOKIE = "theme";

export function isTheme(value: unknown): value is Theme {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value);
}

/** Read the theme from a Cookie header; anything unknown means "system". */
export function themeFromCookieHeader(header: string | null): Theme {
  if (!header) return "system";
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === THEME_COOKIE) {
      const value = decodeURIComponent(rest.join("="));
      return isTheme(value) ? value : "system";
    }
  }
  return "system";
}

export function themeCookie(theme: Theme, secure: boolean): string {
  const attributes = [
    `${THEME_COOKIE}=${theme}`,
    "Path=/",
    "Max-Age=31536000",
    "SameSite=Lax",
    ...(secure ? ["Secure"] : []),
  ];
  return attributes.join("; ");
}
