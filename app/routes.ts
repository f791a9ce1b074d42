import { index, type RouteConfig, route } from "@react-router/dev/routes";

export default [
  index("routes/home.tsx"),
  route("dashboard", "routes/dashboard.tsx"),
  route("login", "routes/login.tsx"),
  route("services/graphql", "routes/services.graphql.tsx"),
  route("services/:service", "routes/services.$service.tsx", [
    index("routes/services.$service._index.tsx"),
    route("keys", "routes/services.$service.keys.tsx"),
    route("stats", "routes/services.$service.stats.tsx"),
    route("logs", "routes/services.$service.logs.tsx"),
  ]),
  route("billing", "routes/billing.tsx"),
  route("billing/invoices/:id", "routes/billing.invoices.$id.tsx"),
  route("billing/transactions", "routes/billing.transactions.ts"),
  route("settings/spending-limit", "routes/settings.spending-limit.tsx"),
  route("activity", "routes/activity.tsx"),
  route("support", "routes/support.tsx"),
  // Resource routes (no UI).
  route("auth/challenge", "routes/auth.challenge.ts"),
  route("auth/verify", "routes/auth.verify.ts"),
  route("auth/logout", "routes/auth.logout.ts"),
  route("auth/session", "routes/auth.session.ts"),
  route("health", "routes/health.ts"),
  route("health/manager", "routes/health.manager.ts"),
  route("theme", "routes/theme.ts"),
  // Everything else is a 404 rendered inside the shell.
  route("*", "routes/$.tsx"),
] satisfies RouteConfig;
