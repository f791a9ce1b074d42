import { readCookie, serializeCookie } from "./cookies.ts";

// The colour theme is kept in a cookie so the server renders the right one on first paint.
export const THEMES = ["light", "dark", "system"] as const;
export type Theme = (typeof THEMES)[number];
export const THEME_COOKIE = "theme";

export function isTheme(value: unknown): value is Theme {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value);
}

/** Read the theme from a Cookie header; anything unknown means "system". */
export function themeFromCookieHeader(header: string | null): Theme {
  const value = readCookie(header, THEME_COOKIE);
  return isTheme(value) ? value : "system";
}

export function themeCookie(theme: Theme, secure: boolean): string {
  return serializeCookie(THEME_COOKIE, theme, { maxAgeSeconds: 31_536_000, secure });
}
