ALTER TABLE "service_instances" DROP CONSTRAINT "service_instances_state_valid";--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "creation_request_id" uuid;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "seal_keys_created" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "seal_keys" ADD COLUMN "creation_request_id" uuid;--> statement-breakpoint
ALTER TABLE "seal_packages" ADD COLUMN "creation_request_id" uuid;--> statement-breakpoint
ALTER TABLE "service_instances" ADD COLUMN "enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "service_instances" ADD COLUMN "paid_month" text;--> statement-breakpoint
ALTER TABLE "service_instances" ADD COLUMN "paid_fee_cents" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_creation_request" UNIQUE("customer_id","creation_request_id");--> statement-breakpoint
ALTER TABLE "seal_keys" ADD CONSTRAINT "seal_keys_creation_request" UNIQUE("customer_id","creation_request_id");--> statement-breakpoint
ALTER TABLE "seal_packages" ADD CONSTRAINT "seal_packages_creation_request" UNIQUE("customer_id","creation_request_id");--> statement-breakpoint
-- The ON/OFF toggle moves from `state` into `enabled`; `state` keeps only the lifecycle.
UPDATE "service_instances" SET "enabled" = ("state" <> 'disabled'), "state" = 'active' WHERE "state" IN ('enabled', 'disabled');--> statement-breakpoint
ALTER TABLE "service_instances" ADD CONSTRAINT "service_instances_state_valid" CHECK ("service_instances"."state" in ('active', 'cancel_scheduled', 'cancelled'));