// Form schemas for service configuration and keys, shared by the actions (server) and the forms
// (browser validation, live totals). Limits come from the catalog.
import { z } from "zod";
import { ADD_ONS, SELF_SERVICE_TIERS } from "./catalog.ts";

const requestId = z
  .string({ error: "Reload the page and try again." })
  .uuid("Reload the page and try again.");
const tier = z.enum(SELF_SERVICE_TIERS, { error: "Choose Starter, Pro or Business." });
const checkbox = z.boolean().optional().default(false);
const id = z.number({ error: "Missing item." }).int().positive("Missing item.");

const keyName = z
  .string({ error: "A name is required." })
  .trim()
  .min(1, "A name is required.")
  .max(64, "Names are at most 64 characters.");

const optionalName = z
  .string()
  .trim()
  .max(64, "Names are at most 64 characters.")
  .optional()
  .transform((value) => (value ? value : null));

export const onboardingFields = {
  tier,
  burstEnabled: checkbox,
  apiKeys: z
    .number({ error: "Enter a number of API keys." })
    .int("Enter a whole number.")
    .min(0, "Cannot be negative.")
    .max(ADD_ONS.apiKeys.maxActivePerService, `At most ${ADD_ONS.apiKeys.maxActivePerService} API keys.`),
  sealKeys: z
    .number({ error: "Enter a number of Seal keys." })
    .int("Enter a whole number.")
    .min(0, "Cannot be negative.")
    .max(ADD_ONS.sealKeys.maxPerService, `At most ${ADD_ONS.sealKeys.maxPerService} Seal keys.`)
    .optional()
    .default(0),
};

/** Enabling, or (without JavaScript) recalculating the total with the same fields. */
export const onboardingSchema = z.object({
  intent: z.enum(["enable", "recalculate"]),
  ...onboardingFields,
  requestId,
});

export const planSchema = z.object({
  intent: z.literal("change-plan"),
  tier,
  burstEnabled: checkbox,
  requestId,
});

export const allowlistSchema = z.object({
  intent: z.literal("allowlist"),
  allowlist: z.string().max(4_000, "The list is too long.").optional().default(""),
});

/** The ON/OFF switch: the state to switch to, spelled as the switch's hidden field spells it. */
export const toggleSchema = z.object({
  intent: z.literal("toggle"),
  enabled: z.enum(["on", "off"]),
});

export const createApiKeySchema = z.object({
  intent: z.literal("create-api-key"),
  name: optionalName,
  requestId,
});
export const apiKeyActionSchema = z.object({
  intent: z.enum(["revoke-api-key", "delete-api-key"]),
  keyId: id,
  confirmed: z.literal("yes").optional(),
});

export const createSealKeySchema = z.object({
  intent: z.literal("create-seal-key"),
  name: keyName,
  requestId,
});
export const renameSealKeySchema = z.object({
  intent: z.literal("rename-seal-key"),
  keyId: id,
  name: keyName,
});
export const revokeSealKeySchema = z.object({
  intent: z.literal("revoke-seal-key"),
  keyId: id,
  confirmed: z.literal("yes").optional(),
});

export const PACKAGE_ID_PATTERN = /^0x[0-9a-fA-F]{64}$/;

export const addPackageSchema = z.object({
  intent: z.literal("add-package"),
  keyId: id,
  packageId: z
    .string({ error: "A package id is required." })
    .trim()
    .regex(PACKAGE_ID_PATTERN, "A package id is 0x followed by 64 hexadecimal characters.")
    .transform((value) => value.toLowerCase()),
  name: optionalName,
  requestId,
});
export const renamePackageSchema = z.object({
  intent: z.literal("rename-package"),
  packageRowId: id,
  name: optionalName,
});
export const deletePackageSchema = z.object({
  intent: z.literal("delete-package"),
  packageRowId: id,
  confirmed: z.literal("yes").optional(),
});
