// The Keys tab: API keys (create — shown once —, revoke, delete), and for Seal the Seal keys
// (create, rename, revoke) with their packages (add, rename, delete). Destructive actions ask for
// confirmation first; every form works without JavaScript.
import { parseWithZod } from "@conform-to/zod/v4";
import { data, Form, redirect, useNavigation } from "react-router";
import { ConfirmPanel, type ConfirmRequest } from "#app/components/confirm-panel.tsx";
import { CreatedKeys } from "#app/components/services/created-keys.tsx";
import { Alert } from "#app/components/ui/alert.tsx";
import { Badge } from "#app/components/ui/badge.tsx";
import { Button } from "#app/components/ui/button.tsx";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "#app/components/ui/card.tsx";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "#app/components/ui/table.tsx";
import { maskedApiKey } from "#app/domain/api-keys.ts";
import { ADD_ONS, serviceDefinition } from "#app/domain/catalog.ts";
import {
  addPackageSchema,
  apiKeyActionSchema,
  createApiKeySchema,
  createSealKeySchema,
  deletePackageSchema,
  renamePackageSchema,
  renameSealKeySchema,
  revokeSealKeySchema,
} from "#app/domain/service-forms.ts";
import {
  addPackage,
  createApiKey,
  createSealKey,
  deleteApiKey,
  deletePackage,
  OperationError,
  renamePackage,
  renameSealKey,
  revokeApiKey,
  revokeSealKey,
} from "#app/domain/service-operations.ts";
import { activeApiKeys, findService, liveSealKeys, serviceInventory } from "#app/domain/services.ts";
import { getViewer, requireCustomer } from "#app/lib/auth.server.ts";
import { CUSTOMER_LIMITS, limitCustomer } from "#app/lib/customer-rate-limits.server.ts";
import { flashCookie } from "#app/lib/flash.server.ts";
import { formatCents } from "#app/lib/format.ts";
import { isHttpError } from "#app/lib/http-errors.server.ts";
import { passRetryAfter } from "#app/lib/operation-reply.server.ts";
import { readForm } from "#app/lib/request-body.server.ts";
import { getRequestInfo, getServices } from "#app/lib/services.server.ts";
import type { Route } from "./+types/services.$service.keys";
import { serviceTypeParam } from "./services.$service.tsx";

/** Placeholder keys for demo mode: clearly not real, never usable. */
const DEMO_KEYS = [
  { id: -1, display: "SDEMO0…AAAA", createdAt: "2026-01-01T00:00:00Z", revokedAt: null, name: "example" },
];

export const headers = passRetryAfter;

export async function loader({ params, context }: Route.LoaderArgs) {
  const serviceType = serviceTypeParam(params.service);
  const viewer = getViewer(context);
  const requestId = crypto.randomUUID();
  if (!viewer) {
    return { demo: true as const, serviceType, requestId, apiKeys: DEMO_KEYS, sealKeys: [], limits: null };
  }
  const { db } = getServices(context);
  const service = await findService(db, viewer.customerId, serviceType);
  if (!service || service.state === "cancelled") throw redirect(`/services/${serviceType}`);
  const inventory = await serviceInventory(db, service.id);
  return {
    demo: false as const,
    serviceType,
    requestId,
    apiKeys: inventory.apiKeys.map((key) => ({
      id: key.id,
      display: maskedApiKey(key.keyPrefix, key.keySuffix),
      createdAt: key.createdAt.toISOString(),
      revokedAt: key.revokedAt?.toISOString() ?? null,
      name: key.name,
    })),
    sealKeys: inventory.sealKeys.map((key) => ({
      id: key.id,
      name: key.name,
      state: key.state,
      derivationIndex: key.derivationIndex,
      objectId: key.objectId,
      packages: key.packages.map((row) => ({ id: row.id, packageId: row.packageId, name: row.name })),
    })),
    limits: {
      activeApiKeys: activeApiKeys(inventory).length,
      liveSealKeys: liveSealKeys(inventory).length,
    },
  };
}

type ActionResult = {
  intent: string;
  createdKey: string | null;
  confirm: ConfirmRequest | null;
  error: string | null;
  fieldErrors: Record<string, string[]>;
};

export async function action({ request, params, context }: Route.ActionArgs) {
  const serviceType = serviceTypeParam(params.service);
  const viewer = requireCustomer({ request, context });
  const services = getServices(context);
  const actor = { customerId: viewer.customerId, address: viewer.address, ip: getRequestInfo(context).ip };
  const formData = await readForm(request);
  const intent = String(formData.get("intent") ?? "");
  const answer = (partial: Partial<ActionResult>, status = 200) =>
    data<ActionResult>(
      { intent, createdKey: null, confirm: null, error: null, fieldErrors: {}, ...partial },
      { status },
    );
  const done = (message: string) =>
    redirect(`/services/${serviceType}/keys`, {
      headers: { "Set-Cookie": flashCookie({ tone: "success", message }, services.env.isProduction) },
    });
  const confirmFirst = (message: string, label: string) =>
    answer({
      confirm: {
        message,
        label,
        fields: Object.fromEntries(
          [...formData]
            .filter(([name]) => name !== "confirmed")
            .map(([name, value]) => [name, String(value)]),
        ),
      },
    });
  const invalid = (error: Record<string, string[] | null> | null | undefined) => {
    const fieldErrors: Record<string, string[]> = {};
    for (const [field, messages] of Object.entries(error ?? {}))
      if (messages) fieldErrors[field || "form"] = messages;
    return answer({ fieldErrors, error: "Some fields need attention." }, 400);
  };

  try {
    switch (intent) {
      case "create-api-key": {
        const submission = parseWithZod(formData, { schema: createApiKeySchema });
        if (submission.status !== "success") return invalid(submission.error);
        await limitCustomer(services, CUSTOMER_LIMITS.apiKeyCreate, viewer.customerId);
        const created = await createApiKey(services, actor, { serviceType, ...submission.value });
        return answer({ createdKey: created.key });
      }
      case "revoke-api-key":
      case "delete-api-key": {
        const submission = parseWithZod(formData, { schema: apiKeyActionSchema });
        if (submission.status !== "success") return invalid(submission.error);
        const revoke = intent === "revoke-api-key";
        if (submission.value.confirmed !== "yes") {
          return confirmFirst(
            revoke
              ? "Revoke this API key? Requests using it are refused as soon as the edge picks up the change (within minutes). This cannot be undone."
              : "Delete this revoked key from the list? This cannot be undone.",
            revoke ? "Yes, revoke the key" : "Yes, delete the key",
          );
        }
        if (revoke) await revokeApiKey(services, actor, { serviceType, keyId: submission.value.keyId });
        else await deleteApiKey(services, actor, { serviceType, keyId: submission.value.keyId });
        return done(revoke ? "API key revoked." : "API key deleted.");
      }
      case "create-seal-key": {
        if (!serviceDefinition(serviceType).hasSealKeys)
          return answer({ error: "Seal keys exist only for Seal." }, 400);
        const submission = parseWithZod(formData, { schema: createSealKeySchema });
        if (submission.status !== "success") return invalid(submission.error);
        await limitCustomer(services, CUSTOMER_LIMITS.sealKeyCreate, viewer.customerId);
        const created = await createSealKey(services, actor, submission.value);
        return done(
          `Seal key "${submission.value.name}" created; it is being registered with the key servers.${created.chargedCents > 0 ? ` Charged ${formatCents(created.chargedCents)} for the rest of this month.` : ""}`,
        );
      }
      case "rename-seal-key": {
        const submission = parseWithZod(formData, { schema: renameSealKeySchema });
        if (submission.status !== "success") return invalid(submission.error);
        await renameSealKey(services, actor, submission.value);
        return done("Seal key renamed.");
      }
      case "revoke-seal-key": {
        const submission = parseWithZod(formData, { schema: revokeSealKeySchema });
        if (submission.status !== "success") return invalid(submission.error);
        if (submission.value.confirmed !== "yes") {
          return confirmFirst(
            "Revoke this Seal key? Decryption requests for its packages stop working, and the key cannot be restored.",
            "Yes, revoke the Seal key",
          );
        }
        await revokeSealKey(services, actor, submission.value);
        return done("Seal key revoked.");
      }
      case "add-package": {
        const submission = parseWithZod(formData, { schema: addPackageSchema });
        if (submission.status !== "success") return invalid(submission.error);
        await limitCustomer(services, CUSTOMER_LIMITS.packageAdd, viewer.customerId);
        const added = await addPackage(services, actor, submission.value);
        return done(
          `Package added.${added.chargedCents > 0 ? ` Charged ${formatCents(added.chargedCents)} for the rest of this month.` : ""}`,
        );
      }
      case "rename-package": {
        const submission = parseWithZod(formData, { schema: renamePackageSchema });
        if (submission.status !== "success") return invalid(submission.error);
        await renamePackage(services, actor, submission.value);
        return done("Package renamed.");
      }
      case "delete-package": {
        const submission = parseWithZod(formData, { schema: deletePackageSchema });
        if (submission.status !== "success") return invalid(submission.error);
        if (submission.value.confirmed !== "yes") {
          return confirmFirst(
            "Remove this package from the Seal key? Its decryption requests stop working.",
            "Yes, remove it",
          );
        }
        await deletePackage(services, actor, submission.value);
        return done("Package removed.");
      }
      default:
        return answer({ error: "Unknown action." }, 400);
    }
  } catch (error) {
    if (error instanceof OperationError) {
      return answer(
        error.field
          ? { error: error.message, fieldErrors: { [error.field]: [error.message] } }
          : { error: error.message },
        error.status,
      );
    }
    if (isHttpError(error)) {
      return data<ActionResult>(
        { intent, createdKey: null, confirm: null, error: error.message, fieldErrors: {} },
        { status: error.status, headers: error.headers },
      );
    }
    throw error;
  }
}

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const inputClass =
  "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm dark:border-zinc-700 dark:bg-zinc-900";

function Hidden({ fields }: { fields: Record<string, string | number> }) {
  return (
    <>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

export default function ServiceKeys({ loaderData, actionData }: Route.ComponentProps) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const { serviceType, demo } = loaderData;
  const definition = serviceDefinition(serviceType);
  const fieldError = (name: string) => actionData?.fieldErrors?.[name]?.join(" ");
  return (
    <div className="flex flex-col gap-6">
      {actionData?.confirm ? (
        <ConfirmPanel confirm={actionData.confirm} cancelHref={`/services/${serviceType}/keys`} />
      ) : null}
      {actionData?.createdKey ? (
        <CreatedKeys keys={[actionData.createdKey]} heading="API key created." />
      ) : null}
      {actionData?.error && !actionData.confirm ? (
        <Alert tone="danger" data-testid="keys-error">
          {actionData.error}
        </Alert>
      ) : null}
      {demo ? <Alert tone="info">Example keys: connect a wallet to create your own.</Alert> : null}

      <Card>
        <CardHeader>
          <CardTitle>API keys</CardTitle>
          <CardDescription>
            Send one in the <code>X-API-Key</code> header. {ADD_ONS.apiKeys.included} included; each
            additional key is {formatCents(ADD_ONS.apiKeys.extraFeeCents)}/month (pro-rated now), up to{" "}
            {ADD_ONS.apiKeys.maxActivePerService} active. Rotate by creating a new key, then revoking the old
            one.
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <Table data-testid="api-keys">
            <TableHeader>
              <tr>
                <TableHead>Key</TableHead>
                <TableHead>Created (UTC)</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </tr>
            </TableHeader>
            <TableBody>
              {loaderData.apiKeys.map((key) => (
                <TableRow key={key.id}>
                  <TableCell className="font-mono">{key.display}</TableCell>
                  <TableCell>{dateFormat.format(new Date(key.createdAt))}</TableCell>
                  <TableCell>
                    {key.revokedAt ? (
                      <Badge tone="neutral">Revoked</Badge>
                    ) : (
                      <Badge tone="success">Active</Badge>
                    )}
                  </TableCell>
                  <TableCell align="right">
                    {demo ? null : (
                      <Form method="post">
                        <Hidden
                          fields={{
                            intent: key.revokedAt ? "delete-api-key" : "revoke-api-key",
                            keyId: key.id,
                          }}
                        />
                        <Button
                          type="submit"
                          size="sm"
                          variant="ghost"
                          aria-label={`${key.revokedAt ? "Delete" : "Revoke"} key ${key.display}`}
                        >
                          {key.revokedAt ? "Delete" : "Revoke"}
                        </Button>
                      </Form>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {demo ? null : (
            <Form method="post" className="flex flex-wrap items-end gap-2">
              <Hidden fields={{ intent: "create-api-key", requestId: loaderData.requestId }} />
              <Button type="submit" disabled={busy}>
                Create API key
              </Button>
              <span className="text-xs text-muted">
                {loaderData.limits?.activeApiKeys ?? 0} of {ADD_ONS.apiKeys.maxActivePerService} active
              </span>
            </Form>
          )}
        </CardContent>
      </Card>

      {definition.hasSealKeys ? (
        <Card>
          <CardHeader>
            <CardTitle>Seal keys</CardTitle>
            <CardDescription>
              Each Seal key is a permissioned client of our key servers. {ADD_ONS.sealKeys.included} included;
              each additional key is {formatCents(ADD_ONS.sealKeys.extraFeeCents)}/month, up to{" "}
              {ADD_ONS.sealKeys.maxPerService} per service and {ADD_ONS.sealKeys.maxEverPerCustomer} ever.{" "}
              {ADD_ONS.packages.includedPerKey} packages per key are included, then{" "}
              {formatCents(ADD_ONS.packages.extraFeeCents)}/month each, up to {ADD_ONS.packages.maxPerKey}.
            </CardDescription>
          </CardHeader>
          <CardContent className="flex flex-col gap-6">
            {loaderData.sealKeys.length === 0 ? (
              <p className="text-sm text-muted">No Seal keys yet.</p>
            ) : null}
            {loaderData.sealKeys.map((key) => (
              <section
                key={key.id}
                aria-label={`Seal key ${key.name}`}
                className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
                data-testid="seal-key"
              >
                <div className="flex flex-wrap items-center gap-2">
                  <h3 className="font-semibold">{key.name}</h3>
                  <Badge
                    tone={
                      key.state === "registered" ? "success" : key.state === "revoked" ? "neutral" : "brand"
                    }
                  >
                    {key.state}
                  </Badge>
                  <span className="text-xs text-muted">derivation index {key.derivationIndex}</span>
                  {key.objectId ? (
                    <span className="font-mono text-xs break-all text-muted">{key.objectId}</span>
                  ) : null}
                </div>
                {key.state !== "revoked" ? (
                  <div className="mt-3 flex flex-wrap gap-2">
                    <Form method="post" className="flex gap-2">
                      <Hidden fields={{ intent: "rename-seal-key", keyId: key.id }} />
                      <input
                        name="name"
                        defaultValue={key.name}
                        maxLength={64}
                        required
                        aria-label={`New name for ${key.name}`}
                        className={inputClass}
                      />
                      <Button type="submit" size="sm" variant="secondary">
                        Rename
                      </Button>
                    </Form>
                    <Form method="post">
                      <Hidden fields={{ intent: "revoke-seal-key", keyId: key.id }} />
                      <Button type="submit" size="sm" variant="ghost">
                        Revoke
                      </Button>
                    </Form>
                  </div>
                ) : null}
                <h4 className="mt-4 text-sm font-medium">Packages ({key.packages.length})</h4>
                <ul className="mt-2 flex flex-col gap-2 text-sm">
                  {key.packages.map((row) => (
                    <li key={row.id} className="flex flex-wrap items-center gap-2" data-testid="package">
                      <code className="font-mono text-xs break-all">{row.packageId}</code>
                      {key.state !== "revoked" ? (
                        <>
                          <Form method="post" className="flex gap-1">
                            <Hidden fields={{ intent: "rename-package", packageRowId: row.id }} />
                            <input
                              name="name"
                              defaultValue={row.name ?? ""}
                              maxLength={64}
                              placeholder="name"
                              aria-label="Package name"
                              className={inputClass}
                            />
                            <Button type="submit" size="sm" variant="ghost">
                              Save name
                            </Button>
                          </Form>
                          <Form method="post">
                            <Hidden fields={{ intent: "delete-package", packageRowId: row.id }} />
                            <Button
                              type="submit"
                              size="sm"
                              variant="ghost"
                              aria-label={`Remove package ${row.packageId}`}
                            >
                              Remove
                            </Button>
                          </Form>
                        </>
                      ) : row.name ? (
                        <span>{row.name}</span>
                      ) : null}
                    </li>
                  ))}
                </ul>
                {key.state !== "revoked" && key.packages.length < ADD_ONS.packages.maxPerKey ? (
                  <Form method="post" className="mt-3 flex flex-wrap items-end gap-2">
                    <Hidden
                      fields={{ intent: "add-package", keyId: key.id, requestId: loaderData.requestId }}
                    />
                    <label className="flex flex-col gap-1 text-xs">
                      Package id
                      <input
                        name="packageId"
                        required
                        pattern="0x[0-9a-fA-F]{64}"
                        placeholder="0x…"
                        className={`${inputClass} w-96 max-w-full font-mono`}
                      />
                    </label>
                    <label className="flex flex-col gap-1 text-xs">
                      Name (optional)
                      <input name="name" maxLength={64} className={inputClass} />
                    </label>
                    <Button type="submit" size="sm" disabled={busy}>
                      Add package
                    </Button>
                  </Form>
                ) : null}
              </section>
            ))}
            {fieldError("packageId") ? (
              <p role="alert" className="text-sm text-red-700">
                {fieldError("packageId")}
              </p>
            ) : null}
            {demo ? null : (
              <Form method="post" className="flex flex-wrap items-end gap-2">
                <Hidden fields={{ intent: "create-seal-key", requestId: loaderData.requestId }} />
                <label className="flex flex-col gap-1 text-xs">
                  New Seal key name
                  <input name="name" required maxLength={64} className={inputClass} />
                </label>
                <Button type="submit" disabled={busy}>
                  Create Seal key
                </Button>
                <span className="text-xs text-muted">
                  {loaderData.limits?.liveSealKeys ?? 0} of {ADD_ONS.sealKeys.maxPerService}
                </span>
              </Form>
            )}
            {fieldError("name") ? (
              <p role="alert" className="text-sm text-red-700">
                {fieldError("name")}
              </p>
            ) : null}
          </CardContent>
        </Card>
      ) : null}
    </div>
  );
}
