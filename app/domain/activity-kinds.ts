// Activity kinds as the customer reads them: browser-safe (the activity page's filter uses it).
import { ACTIVITY_KINDS, type ActivityKind } from "#db/schema/values.ts";

export const ACTIVITY_KIND_LABELS: Record<ActivityKind, string> = {
  auth: "Sign-in",
  service: "Service",
  api_key: "API key",
  seal_key: "Seal key",
  package: "Package",
  billing: "Billing",
  deposit: "Deposit",
  withdraw: "Withdrawal",
  charge: "Charge",
  account: "Account",
};

export function isActivityKind(value: string): value is ActivityKind {
  return (ACTIVITY_KINDS as readonly string[]).includes(value);
}
