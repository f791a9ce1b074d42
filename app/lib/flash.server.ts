// One-time messages across a redirect ("Deposited $100.00"): set as a short-lived cookie by an
// action, shown once by the next page, then cleared. Works the same with JavaScript off.
import { createContext, type MiddlewareFunction, type RouterContextProvider } from "react-router";
import { z } from "zod";
import { readCookie, serializeCookie } from "./cookies.ts";
import { getServices } from "./services.server.ts";

const FLASH_COOKIE = "sfy_flash";

const flashSchema = z.object({
  tone: z.enum(["success", "info", "warning"]),
  message: z.string().max(300),
});
export type Flash = z.infer<typeof flashSchema>;

export const flashContext = createContext<Flash | null>(null);

export function getFlash(context: Readonly<RouterContextProvider>): Flash | null {
  return context.get(flashContext);
}

/** The Set-Cookie header that carries a message to the next page. */
export function flashCookie(flash: Flash, secure: boolean): string {
  return serializeCookie(FLASH_COOKIE, JSON.stringify(flash), { maxAgeSeconds: 60, httpOnly: true, secure });
}

export const flashMiddleware: MiddlewareFunction<Response> = async ({ request, context }, next) => {
  const raw = readCookie(request.headers.get("cookie"), FLASH_COOKIE);
  let flash: Flash | null = null;
  if (raw) {
    try {
      const parsed = flashSchema.safeParse(JSON.parse(raw));
      flash = parsed.success ? parsed.data : null;
    } catch {
      flash = null;
    }
  }
  context.set(flashContext, flash);
  const response = await next();
  // Shown now (or unreadable): clear it, unless this response sets a new one.
  const setsFlash = response.headers.getSetCookie().some((cookie) => cookie.startsWith(`${FLASH_COOKIE}=`));
  if (raw && !setsFlash) {
    const secure = getServices(context).env.isProduction;
    response.headers.append(
      "Set-Cookie",
      serializeCookie(FLASH_COOKIE, "", { maxAgeSeconds: 0, httpOnly: true, secure }),
    );
  }
  return response;
};
