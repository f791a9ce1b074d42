// POST /theme: remember the colour theme in a cookie, then go back where the visitor was
// (plain form without JavaScript; a fetcher with it).
import { data, redirect } from "react-router";
import { readForm } from "#app/lib/request-body.server.ts";
import { safeRedirectPath } from "#app/lib/safe-redirect.ts";
import { getServices } from "#app/lib/services.server.ts";
import { isTheme, themeCookie } from "#app/lib/theme.ts";
import type { Route } from "./+types/theme";

export async function action({ request, context }: Route.ActionArgs) {
  const { env } = getServices(context);
  const form = await readForm(request);
  const theme = form.get("theme");
  if (!isTheme(theme)) {
    return data({ errors: { theme: ["Choose light, dark or system."] } }, { status: 400 });
  }
  const headers = { "Set-Cookie": themeCookie(theme, env.isProduction) };
  return redirect(safeRedirectPath(form.get("redirectTo")), { headers });
}

export function loader() {
  return redirect("/");
}
