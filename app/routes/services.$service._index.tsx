// The Config tab: onboarding when the service is not configured (tier cards, burst, keys and a
// live total; "Recalculate" without JavaScript), otherwise the plan, burst, IP allowlist, ON/OFF
// and cancellation. Every form works without JavaScript.
import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { useState } from "react";
import { data, Form, Link, redirect, useNavigation } from "react-router";
import { ConfirmPanel, type ConfirmRequest } from "#app/components/confirm-panel.tsx";
import { CreatedKeys } from "#app/components/services/created-keys.tsx";
import { FeeSummary } from "#app/components/services/fee-summary.tsx";
import { TierPicker } from "#app/components/services/tier-picker.tsx";
import { Alert } from "#app/components/ui/alert.tsx";
import { Button, buttonVariants } from "#app/components/ui/button.tsx";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { FieldError } from "#app/components/ui/field-error.tsx";
import {
  ADD_ONS,
  ALLOWLIST_FROM_TIER_NAME,
  BURST_TIER_NAMES,
  PURGE_AFTER_DAYS,
  SELF_SERVICE_TIERS,
  type SelfServiceTier,
  serviceDefinition,
  tierHasAllowlist,
  tierHasBurst,
  USAGE_PRICE,
} from "#app/domain/catalog.ts";
import { estimateFees, type ServiceConfigForPricing } from "#app/domain/pricing.ts";
import { allowlistSchema, onboardingSchema, planSchema, toggleSchema } from "#app/domain/service-forms.ts";
import {
  changePlan,
  enableService,
  OperationError,
  scheduleCancellation,
  setServiceEnabled,
  undoCancellation,
  undoScheduledChanges,
  updateIpAllowlist,
} from "#app/domain/service-operations.ts";
import { findService, pricingConfig, scheduledChangesOf, serviceInventory } from "#app/domain/services.ts";
import { getViewer, requireCustomer } from "#app/lib/auth.server.ts";
import { CUSTOMER_LIMITS, limitCustomer } from "#app/lib/customer-rate-limits.server.ts";
import { flashCookie } from "#app/lib/flash.server.ts";
import { formatCents, formatNumber } from "#app/lib/format.ts";
import { passRetryAfter, replyWithError } from "#app/lib/operation-reply.server.ts";
import { readForm } from "#app/lib/request-body.server.ts";
import { getRequestInfo, getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/services.$service._index";
import { serviceTypeParam } from "./services.$service.tsx";

const ONBOARDING_DEFAULTS = {
  tier: "pro" as SelfServiceTier,
  burstEnabled: false,
  apiKeys: 1,
  sealKeys: 1,
  packagesPerKey: 0,
};

export const headers = passRetryAfter;

export async function loader({ params, context }: Route.LoaderArgs) {
  const serviceType = serviceTypeParam(params.service);
  const { db, clock } = getServices(context);
  const today = clock.now().toISOString();
  const requestId = crypto.randomUUID();
  const viewer = getViewer(context);
  const service = viewer ? await findService(db, viewer.customerId, serviceType) : null;
  if (!service || service.state === "cancelled") {
    return {
      mode: viewer ? ("onboarding" as const) : ("demo" as const),
      serviceType,
      today,
      requestId,
      config: null,
    };
  }
  const inventory = await serviceInventory(db, service.id);
  const scheduled = scheduledChangesOf(service);
  const current = pricingConfig(service, inventory);
  const next = pricingConfig(
    { tier: scheduled.tier ?? service.tier, burstEnabled: scheduled.burstEnabled ?? service.burstEnabled },
    inventory,
  );
  return {
    mode: "config" as const,
    serviceType,
    today,
    requestId,
    config: {
      tier: service.tier as SelfServiceTier,
      burstEnabled: service.burstEnabled,
      allowlist: service.ipAllowlist,
      state: service.state,
      current,
      next,
      scheduled,
    },
  };
}

function onboardingConfig(
  serviceType: "seal" | "grpc" | "graphql",
  values: {
    tier: SelfServiceTier;
    burstEnabled: boolean;
    apiKeys: number;
    sealKeys: number;
    packagesPerKey: number;
  },
): ServiceConfigForPricing {
  const sealKeys = serviceDefinition(serviceType).hasSealKeys ? values.sealKeys : 0;
  return {
    tier: values.tier,
    burstEnabled: values.burstEnabled && tierHasBurst(values.tier),
    apiKeys: values.apiKeys,
    sealKeys,
    packagesPerKey: Array(sealKeys).fill(values.packagesPerKey),
  };
}

type Confirm = ConfirmRequest | null;

export async function action({ request, params, context }: Route.ActionArgs) {
  const serviceType = serviceTypeParam(params.service);
  const viewer = requireCustomer({ request, context });
  const services = getServices(context);
  const actor = { customerId: viewer.customerId, address: viewer.address, ip: getRequestInfo(context).ip };
  const formData = await readForm(request);
  const intent = String(formData.get("intent") ?? "");
  const name = serviceDefinition(serviceType).name;
  const done = (message: string) =>
    redirect(`/services/${serviceType}`, {
      headers: { "Set-Cookie": flashCookie({ tone: "success", message }, services.env.isProduction) },
    });
  const base = { intent, estimate: null, createdKeys: null as string[] | null, confirm: null as Confirm };

  if (intent === "enable" || intent === "recalculate") {
    const submission = parseWithZod(formData, { schema: onboardingSchema });
    if (submission.status !== "success")
      return data({ ...base, result: submission.reply() }, { status: 400 });
    const packagesPerKey = Math.min(
      ADD_ONS.packages.maxPerKey,
      Math.max(0, Number.parseInt(String(formData.get("packagesPerKey") ?? "0"), 10) || 0),
    );
    const values = { ...submission.value, packagesPerKey };
    if (intent === "recalculate") {
      const estimate = estimateFees(serviceType, onboardingConfig(serviceType, values), services.clock.now());
      return data({ ...base, estimate, result: submission.reply() });
    }
    try {
      await limitCustomer(services, CUSTOMER_LIMITS.feeChange, viewer.customerId);
      const enabled = await enableService(services, actor, { serviceType, ...submission.value });
      return data({
        ...base,
        result: submission.reply({ resetForm: true }),
        createdKeys: enabled.createdKeys,
        enabledMessage: `${name} is enabled. ${enabled.chargedCents > 0 ? `Charged ${formatCents(enabled.chargedCents)} for the rest of this month.` : ""}`,
      });
    } catch (error) {
      return replyWithError(submission, error, base);
    }
  }

  if (intent === "change-plan") {
    const submission = parseWithZod(formData, { schema: planSchema });
    if (submission.status !== "success")
      return data({ ...base, result: submission.reply() }, { status: 400 });
    try {
      await limitCustomer(services, CUSTOMER_LIMITS.feeChange, viewer.customerId);
      const result = await changePlan(services, actor, { serviceType, ...submission.value });
      if (!result.changed) return done("No changes to save.");
      const parts = [
        result.applied.tier || result.applied.burstEnabled ? "Plan updated." : null,
        result.chargedCents > 0
          ? `Charged ${formatCents(result.chargedCents)} for the rest of this month.`
          : null,
        result.scheduled.tier || result.scheduled.burstEnabled === false
          ? "The lower price starts on the 1st."
          : null,
      ];
      return done(parts.filter(Boolean).join(" ") || "Plan updated.");
    } catch (error) {
      return replyWithError(submission, error, base);
    }
  }

  if (intent === "allowlist") {
    const submission = parseWithZod(formData, { schema: allowlistSchema });
    if (submission.status !== "success")
      return data({ ...base, result: submission.reply() }, { status: 400 });
    try {
      const entries = await updateIpAllowlist(services, actor, {
        serviceType,
        text: submission.value.allowlist,
      });
      return done(
        entries.length
          ? `IP allowlist saved (${entries.length} ${entries.length === 1 ? "entry" : "entries"}).`
          : "IP allowlist cleared: every address is allowed.",
      );
    } catch (error) {
      return replyWithError(submission, error, base);
    }
  }

  // Buttons without fields: ON/OFF, undo, cancel (with confirmation).
  try {
    switch (intent) {
      case "toggle": {
        const submission = parseWithZod(formData, { schema: toggleSchema });
        if (submission.status !== "success")
          return data(
            { ...base, result: null, error: "Switch the service with its ON/OFF button." },
            { status: 400 },
          );
        const on = submission.value.enabled === "on";
        await setServiceEnabled(services, actor, serviceType, on);
        return done(on ? `${name} is on.` : `${name} is off: traffic is paused.`);
      }
      case "undo-schedule":
        await undoScheduledChanges(services, actor, serviceType);
        return done("Scheduled change undone: your current plan continues.");
      case "cancel": {
        if (formData.get("confirmed") !== "yes") {
          return data({
            ...base,
            result: null,
            confirm: {
              message: `Cancel ${name}? It keeps running until the end of the month, then stops; its configuration and keys are deleted ${PURGE_AFTER_DAYS} days later. You can undo until then.`,
              label: `Yes, cancel ${name}`,
              fields: { intent: "cancel" },
            },
          });
        }
        await scheduleCancellation(services, actor, serviceType);
        return done(`${name} will stop at the end of the month.`);
      }
      case "undo-cancel":
        await undoCancellation(services, actor, serviceType);
        return done(`${name} will keep running.`);
      default:
        return data({ ...base, result: null, error: "Unknown action." }, { status: 400 });
    }
  } catch (error) {
    if (error instanceof OperationError)
      return data({ ...base, result: null, error: error.message }, { status: error.status });
    throw error;
  }
}

type LoaderData = Route.ComponentProps["loaderData"];
type ActionData = Route.ComponentProps["actionData"];

function readValues(form: HTMLFormElement) {
  const formData = new FormData(form);
  const number = (name: string, fallback: number) => {
    const value = Number.parseInt(String(formData.get(name) ?? ""), 10);
    return Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  const tier = String(formData.get("tier") ?? "pro");
  return {
    tier: ((SELF_SERVICE_TIERS as readonly string[]).includes(tier) ? tier : "pro") as SelfServiceTier,
    burstEnabled: formData.get("burstEnabled") === "on",
    apiKeys: Math.min(number("apiKeys", 1), ADD_ONS.apiKeys.maxActivePerService),
    sealKeys: Math.min(number("sealKeys", 0), ADD_ONS.sealKeys.maxPerService),
    packagesPerKey: Math.min(number("packagesPerKey", 0), ADD_ONS.packages.maxPerKey),
  };
}

const inputClass =
  "h-9 w-24 rounded-md border border-zinc-300 bg-white px-3 text-sm dark:border-zinc-700 dark:bg-zinc-900";

function Onboarding({ loaderData, actionData }: { loaderData: LoaderData; actionData: ActionData }) {
  const serviceType = loaderData.serviceType;
  const definition = serviceDefinition(serviceType);
  const navigation = useNavigation();
  const [values, setValues] = useState(ONBOARDING_DEFAULTS);
  const [form, fields] = useForm({
    id: "onboarding",
    lastResult:
      actionData && "result" in actionData && actionData.intent !== "change-plan"
        ? actionData.result
        : undefined,
    defaultValue: { ...ONBOARDING_DEFAULTS, burstEnabled: undefined },
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: onboardingSchema }),
  });
  // Without JavaScript the total comes from the server ("Recalculate"); with it, it follows the form.
  const estimate =
    actionData?.estimate ??
    estimateFees(serviceType, onboardingConfig(serviceType, values), new Date(loaderData.today));
  const demo = loaderData.mode === "demo";
  return (
    <Card>
      <CardHeader>
        <CardTitle>Set up {definition.name}</CardTitle>
        <CardDescription>
          Choose a tier and what you need. Enabling charges the monthly fee pro-rated for the rest of this
          month; from the 1st, fees are charged monthly in advance. Usage is {formatCents(USAGE_PRICE.cents)}{" "}
          per {formatNumber(USAGE_PRICE.perRequests)} successful requests.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <Form
          method="post"
          {...getFormProps(form)}
          onChange={(event) => setValues(readValues(event.currentTarget))}
          className="flex flex-col gap-6"
        >
          <input type="hidden" name="requestId" value={loaderData.requestId} />
          <TierPicker name={fields.tier.name} value={String(fields.tier.initialValue ?? "pro")} />
          <FieldError id={fields.tier.errorId} errors={fields.tier.errors} />
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <label className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                name={fields.burstEnabled.name}
                defaultChecked={fields.burstEnabled.initialValue === "on"}
                className="mt-1"
              />
              <span>
                <span className="font-medium">Burst</span> (+{formatCents(ADD_ONS.burstFeeCents)}/month)
                <span className="block text-xs text-muted">{BURST_TIER_NAMES} only.</span>
              </span>
            </label>
            <label className="flex flex-col gap-1 text-sm">
              <span className="font-medium">API keys</span>
              <input
                {...getInputProps(fields.apiKeys, { type: "number" })}
                min={1}
                max={ADD_ONS.apiKeys.maxActivePerService}
                className={inputClass}
              />
              <span className="text-xs text-muted">
                {ADD_ONS.apiKeys.included} included, then {formatCents(ADD_ONS.apiKeys.extraFeeCents)}/month
                each.
              </span>
              <FieldError id={fields.apiKeys.errorId} errors={fields.apiKeys.errors} />
            </label>
            {definition.hasSealKeys ? (
              <>
                <label className="flex flex-col gap-1 text-sm">
                  <span className="font-medium">Seal keys</span>
                  <input
                    {...getInputProps(fields.sealKeys, { type: "number" })}
                    min={0}
                    max={ADD_ONS.sealKeys.maxPerService}
                    className={inputClass}
                  />
                  <span className="text-xs text-muted">
                    {ADD_ONS.sealKeys.included} included, then {formatCents(ADD_ONS.sealKeys.extraFeeCents)}
                    /month each.
                  </span>
                  <FieldError id={fields.sealKeys.errorId} errors={fields.sealKeys.errors} />
                </label>
                <label className="flex flex-col gap-1 text-sm">
                  <span className="font-medium">Packages per Seal key</span>
                  <input
                    type="number"
                    name="packagesPerKey"
                    min={0}
                    max={ADD_ONS.packages.maxPerKey}
                    defaultValue={0}
                    className={inputClass}
                  />
                  <span className="text-xs text-muted">
                    Planned; added on the Keys tab. {ADD_ONS.packages.includedPerKey} included per key, then{" "}
                    {formatCents(ADD_ONS.packages.extraFeeCents)}/month each.
                  </span>
                </label>
              </>
            ) : (
              <input type="hidden" name="sealKeys" value="0" />
            )}
          </div>
          <FeeSummary estimate={estimate} />
          {form.errors ? <FieldError id={form.errorId} errors={form.errors} /> : null}
          <div className="flex flex-wrap items-center gap-3">
            {demo ? (
              <Link to={`/login?redirectTo=%2Fservices%2F${serviceType}`} className={buttonVariants()}>
                Connect a wallet to enable {definition.name}
              </Link>
            ) : (
              <Button type="submit" name="intent" value="enable" disabled={navigation.state === "submitting"}>
                Enable {definition.name}
              </Button>
            )}
            <Button type="submit" name="intent" value="recalculate" variant="secondary" formNoValidate>
              Recalculate
            </Button>
          </div>
        </Form>
      </CardContent>
    </Card>
  );
}

function ConfigView({ loaderData, actionData }: { loaderData: LoaderData; actionData: ActionData }) {
  const config = loaderData.config;
  const navigation = useNavigation();
  const [planForm, planFields] = useForm({
    id: "plan",
    lastResult: actionData?.intent === "change-plan" ? actionData.result : undefined,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: planSchema }),
  });
  const [allowForm, allowFields] = useForm({
    id: "allowlist",
    lastResult: actionData?.intent === "allowlist" ? actionData.result : undefined,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: allowlistSchema }),
  });
  if (!config) return null;
  const today = new Date(loaderData.today);
  const current = estimateFees(loaderData.serviceType, config.current, today);
  const next = estimateFees(loaderData.serviceType, config.next, today);
  return (
    <div className="flex flex-col gap-6">
      <Card>
        <CardHeader>
          <CardTitle>Plan</CardTitle>
          <CardDescription>
            Upgrades apply now and charge the pro-rated difference first. Downgrades and turning burst off
            take effect on the 1st (no refund), and can be undone until then.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <Form method="post" {...getFormProps(planForm)} className="flex flex-col gap-4">
            <input type="hidden" name="intent" value="change-plan" />
            <input type="hidden" name="requestId" value={loaderData.requestId} />
            <TierPicker
              name={planFields.tier.name}
              value={config.scheduled.tier ?? config.tier}
              current={config.tier}
            />
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                name={planFields.burstEnabled.name}
                defaultChecked={config.scheduled.burstEnabled ?? config.burstEnabled}
              />
              <span>
                Burst (+{formatCents(ADD_ONS.burstFeeCents)}/month, {BURST_TIER_NAMES})
              </span>
            </label>
            <FieldError id={planFields.burstEnabled.errorId} errors={planFields.burstEnabled.errors} />
            <FieldError id={planForm.errorId} errors={planForm.errors} />
            <div>
              <Button type="submit" disabled={navigation.state === "submitting"}>
                Save plan
              </Button>
            </div>
          </Form>
          <div className="mt-6 grid gap-4 md:grid-cols-2">
            <div>
              <h3 className="mb-2 text-sm font-semibold">This month</h3>
              <FeeSummary estimate={current} dueLabel={null} />
            </div>
            <div>
              <h3 className="mb-2 text-sm font-semibold">From the 1st</h3>
              <FeeSummary estimate={next} dueLabel={null} />
            </div>
          </div>
        </CardContent>
      </Card>

      <Card id="allowlist">
        <CardHeader>
          <CardTitle>IP allowlist</CardTitle>
          <CardDescription>
            {tierHasAllowlist(config.tier)
              ? `Only these addresses may use your keys. Up to ${ADD_ONS.ipAllowlist.maxEntries} IPv4/IPv6 addresses or CIDR ranges, separated by new lines, commas or spaces. Empty allows every address.`
              : `Available from ${ALLOWLIST_FROM_TIER_NAME} up.`}
          </CardDescription>
        </CardHeader>
        <CardContent>
          {tierHasAllowlist(config.tier) ? (
            <Form method="post" {...getFormProps(allowForm)} className="flex flex-col gap-2">
              <input type="hidden" name="intent" value="allowlist" />
              <label htmlFor={allowFields.allowlist.id} className="text-sm font-medium">
                Allowed addresses
              </label>
              <textarea
                id={allowFields.allowlist.id}
                name={allowFields.allowlist.name}
                defaultValue={config.allowlist.join("\n")}
                rows={5}
                maxLength={4000}
                placeholder={"203.0.113.7\n198.51.100.0/24"}
                className="rounded-md border border-zinc-300 bg-white p-2 font-mono text-sm dark:border-zinc-700 dark:bg-zinc-900"
                aria-describedby={allowFields.allowlist.errorId}
              />
              <FieldError id={allowFields.allowlist.errorId} errors={allowFields.allowlist.errors} />
              <FieldError id={allowForm.errorId} errors={allowForm.errors} />
              <div>
                <Button type="submit" variant="secondary">
                  Save allowlist
                </Button>
              </div>
            </Form>
          ) : null}
        </CardContent>
      </Card>

      {config.state === "active" ? (
        <Card>
          <CardHeader>
            <CardTitle>Cancel service</CardTitle>
            <CardDescription>
              Stops at the end of the month; configuration and keys are deleted {PURGE_AFTER_DAYS} days later.
              No refund for the current month.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <Form method="post">
              <input type="hidden" name="intent" value="cancel" />
              <Button type="submit" variant="danger">
                Cancel {serviceDefinition(loaderData.serviceType).name}
              </Button>
            </Form>
          </CardContent>
        </Card>
      ) : null}
    </div>
  );
}

export default function ServiceConfig({ loaderData, actionData }: Route.ComponentProps) {
  return (
    <>
      {actionData && "error" in actionData && actionData.error ? (
        <Alert tone="danger" className="mb-4">
          {actionData.error}
        </Alert>
      ) : null}
      {actionData?.confirm ? (
        <ConfirmPanel confirm={actionData.confirm} cancelHref={`/services/${loaderData.serviceType}`} />
      ) : null}
      {actionData?.createdKeys && actionData.createdKeys.length > 0 ? (
        <CreatedKeys
          keys={actionData.createdKeys}
          heading={"enabledMessage" in actionData ? String(actionData.enabledMessage) : undefined}
        />
      ) : null}
      {loaderData.mode === "config" ? (
        <ConfigView loaderData={loaderData} actionData={actionData} />
      ) : (
        <Onboarding loaderData={loaderData} actionData={actionData} />
      )}
    </>
  );
}
