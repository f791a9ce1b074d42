CREATE SEQUENCE "public"."seal_key_derivation_index_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "activity_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "activity_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" integer NOT NULL,
	"kind" text NOT NULL,
	"action" text NOT NULL,
	"summary" text NOT NULL,
	"details" jsonb,
	"actor_address" text,
	"ip" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "activity_log_summary_len" CHECK (char_length("activity_log"."summary") <= 500)
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_keys_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" integer NOT NULL,
	"service_instance_id" bigint NOT NULL,
	"service_type" text NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"key_suffix" text NOT NULL,
	"name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash"),
	CONSTRAINT "api_keys_hash_format" CHECK ("api_keys"."key_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "api_keys_prefix_len" CHECK (char_length("api_keys"."key_prefix") = 6),
	CONSTRAINT "api_keys_suffix_len" CHECK (char_length("api_keys"."key_suffix") = 4),
	CONSTRAINT "api_keys_name_len" CHECK ("api_keys"."name" is null or char_length("api_keys"."name") <= 64)
);
--> statement-breakpoint
CREATE TABLE "auth_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"address" text NOT NULL,
	"message" text NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "auth_nonces_nonce_format" CHECK ("auth_nonces"."nonce" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "auth_nonces_address_format" CHECK ("auth_nonces"."address" ~ '^0x[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "billing_line_items" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "billing_line_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"invoice_id" bigint NOT NULL,
	"service_type" text,
	"item_type" text NOT NULL,
	"description" text NOT NULL,
	"quantity" bigint DEFAULT 1 NOT NULL,
	"unit_price_cents" bigint NOT NULL,
	"amount_cents" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_line_items_quantity_positive" CHECK ("billing_line_items"."quantity" > 0)
);
--> statement-breakpoint
CREATE TABLE "billing_records" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "billing_records_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" integer NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"idempotency_key" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"period_start" timestamp with time zone,
	"period_end" timestamp with time zone,
	"failure_reason" text,
	"attempt_count" integer DEFAULT 0 NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"first_failed_at" timestamp with time zone,
	"paid_at" timestamp with time zone,
	"tx_digest" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_records_customer_idempotency" UNIQUE("customer_id","idempotency_key"),
	CONSTRAINT "billing_records_amount_non_negative" CHECK ("billing_records"."amount_cents" >= 0),
	CONSTRAINT "billing_records_kind_valid" CHECK ("billing_records"."kind" in ('subscription', 'usage', 'adjustment')),
	CONSTRAINT "billing_records_status_valid" CHECK ("billing_records"."status" in ('pending', 'paid', 'failed', 'voided')),
	CONSTRAINT "billing_records_paid_has_digest" CHECK ("billing_records"."status" <> 'paid' or "billing_records"."tx_digest" is not null or "billing_records"."amount_cents" = 0)
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"customer_id" integer PRIMARY KEY NOT NULL,
	"wallet_address" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"spending_limit_cents" bigint DEFAULT 200000 NOT NULL,
	"payment_overdue_since" timestamp with time zone,
	"suspended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_login_at" timestamp with time zone,
	CONSTRAINT "customers_wallet_address_unique" UNIQUE("wallet_address"),
	CONSTRAINT "customers_id_positive" CHECK ("customers"."customer_id" > 0),
	CONSTRAINT "customers_wallet_format" CHECK ("customers"."wallet_address" ~ '^0x[0-9a-f]{64}$'),
	CONSTRAINT "customers_status_valid" CHECK ("customers"."status" in ('active', 'suspended', 'closed')),
	CONSTRAINT "customers_spending_limit_range" CHECK ("customers"."spending_limit_cents" between 10000 and 5000000)
);
--> statement-breakpoint
CREATE TABLE "escrow_accounts" (
	"customer_id" integer PRIMARY KEY NOT NULL,
	"object_id" text NOT NULL,
	"balance_cents" bigint DEFAULT 0 NOT NULL,
	"balance_refreshed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escrow_accounts_object_id_unique" UNIQUE("object_id"),
	CONSTRAINT "escrow_accounts_balance_non_negative" CHECK ("escrow_accounts"."balance_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "escrow_transactions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "escrow_transactions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" integer NOT NULL,
	"kind" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"tx_digest" text NOT NULL,
	"invoice_id" bigint,
	"balance_after_cents" bigint,
	"executed_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escrow_transactions_tx_digest_unique" UNIQUE("tx_digest"),
	CONSTRAINT "escrow_transactions_amount_positive" CHECK ("escrow_transactions"."amount_cents" > 0),
	CONSTRAINT "escrow_transactions_kind_valid" CHECK ("escrow_transactions"."kind" in ('deposit', 'withdraw', 'charge', 'credit')),
	CONSTRAINT "escrow_transactions_charge_has_invoice" CHECK ("escrow_transactions"."kind" <> 'charge' or "escrow_transactions"."invoice_id" is not null),
	CONSTRAINT "escrow_transactions_balance_non_negative" CHECK ("escrow_transactions"."balance_after_cents" is null or "escrow_transactions"."balance_after_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "haproxy_logs" (
	"ts" timestamp with time zone NOT NULL,
	"region" text NOT NULL,
	"server_id" text NOT NULL,
	"service" text NOT NULL,
	"customer_id" integer,
	"key_fp" text,
	"client_ip" text NOT NULL,
	"method" text NOT NULL,
	"status" smallint NOT NULL,
	"bytes_in" bigint NOT NULL,
	"bytes_out" bigint NOT NULL,
	"t_total_ms" integer NOT NULL,
	"t_backend_ms" integer NOT NULL,
	"outcome" text NOT NULL,
	"repeat" integer DEFAULT 1 NOT NULL,
	"batch_id" bigint NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL
) PARTITION BY RANGE ("ts");
--> statement-breakpoint
CREATE TABLE "ingest_batches" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ingest_batches_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"source" text NOT NULL,
	"row_count" integer NOT NULL,
	"min_ts" timestamp with time zone,
	"max_ts" timestamp with time zone,
	"metered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_batches_row_count_non_negative" CHECK ("ingest_batches"."row_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ingest_offsets" (
	"source" text PRIMARY KEY NOT NULL,
	"file_id" text,
	"byte_offset" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mock_chain_accounts" (
	"object_id" text PRIMARY KEY NOT NULL,
	"owner_address" text NOT NULL,
	"balance_cents" bigint DEFAULT 0 NOT NULL,
	"spending_limit_cents" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mock_chain_accounts_owner_unique" UNIQUE("owner_address"),
	CONSTRAINT "mock_chain_accounts_balance_non_negative" CHECK ("mock_chain_accounts"."balance_cents" >= 0),
	CONSTRAINT "mock_chain_accounts_owner_format" CHECK ("mock_chain_accounts"."owner_address" ~ '^0x[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "mock_chain_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "mock_chain_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"digest" text NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mock_chain_transactions" (
	"digest" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"account_object_id" text NOT NULL,
	"sender" text NOT NULL,
	"amount_cents" bigint DEFAULT 0 NOT NULL,
	"nonce" text,
	"status" text NOT NULL,
	"error" text,
	"balance_after_cents" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mock_chain_transactions_account_nonce" UNIQUE("account_object_id","nonce"),
	CONSTRAINT "mock_chain_transactions_amount_non_negative" CHECK ("mock_chain_transactions"."amount_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "rate_limit_buckets" (
	"key" varchar(255) PRIMARY KEY NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" bigint
);
--> statement-breakpoint
CREATE TABLE "seal_keys" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "seal_keys_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" integer NOT NULL,
	"service_instance_id" bigint NOT NULL,
	"name" text NOT NULL,
	"derivation_index" bigint DEFAULT nextval('seal_key_derivation_index_seq') NOT NULL,
	"state" text DEFAULT 'registering' NOT NULL,
	"public_key" text,
	"object_id" text,
	"registration_attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "seal_keys_derivation_index_unique" UNIQUE("derivation_index"),
	CONSTRAINT "seal_keys_state_valid" CHECK ("seal_keys"."state" in ('registering', 'registered', 'updating', 'revoked')),
	CONSTRAINT "seal_keys_name_len" CHECK (char_length("seal_keys"."name") between 1 and 64)
);
--> statement-breakpoint
CREATE TABLE "seal_packages" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "seal_packages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" integer NOT NULL,
	"seal_key_id" bigint NOT NULL,
	"package_id" text NOT NULL,
	"name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "seal_packages_key_package" UNIQUE("seal_key_id","package_id"),
	CONSTRAINT "seal_packages_id_format" CHECK ("seal_packages"."package_id" ~ '^0x[0-9a-f]{64}$'),
	CONSTRAINT "seal_packages_name_len" CHECK ("seal_packages"."name" is null or char_length("seal_packages"."name") <= 64)
);
--> statement-breakpoint
CREATE TABLE "service_instances" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "service_instances_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" integer NOT NULL,
	"service_type" text NOT NULL,
	"state" text NOT NULL,
	"tier" text NOT NULL,
	"burst_enabled" boolean DEFAULT false NOT NULL,
	"ip_allowlist" text[] DEFAULT '{}'::text[] NOT NULL,
	"scheduled_changes" jsonb,
	"cancel_effective_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"enabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_instances_customer_service" UNIQUE("customer_id","service_type"),
	CONSTRAINT "service_instances_type_valid" CHECK ("service_instances"."service_type" in ('seal', 'grpc', 'graphql')),
	CONSTRAINT "service_instances_state_valid" CHECK ("service_instances"."state" in ('enabled', 'disabled', 'cancel_scheduled', 'cancelled')),
	CONSTRAINT "service_instances_tier_valid" CHECK ("service_instances"."tier" in ('starter', 'pro', 'business', 'enterprise')),
	CONSTRAINT "service_instances_allowlist_max" CHECK (cardinality("service_instances"."ip_allowlist") <= 20)
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"family_id" uuid NOT NULL,
	"customer_id" integer NOT NULL,
	"refresh_token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"rotated_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"ip" text,
	"user_agent" text,
	CONSTRAINT "sessions_refresh_token_hash_unique" UNIQUE("refresh_token_hash"),
	CONSTRAINT "sessions_hash_format" CHECK ("sessions"."refresh_token_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "usage_hourly" (
	"customer_id" integer NOT NULL,
	"service" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"billable" bigint DEFAULT 0 NOT NULL,
	"client_errors" bigint DEFAULT 0 NOT NULL,
	"server_errors" bigint DEFAULT 0 NOT NULL,
	"denied" bigint DEFAULT 0 NOT NULL,
	"rate_limited" bigint DEFAULT 0 NOT NULL,
	"ip_blocked" bigint DEFAULT 0 NOT NULL,
	"unauthorized" bigint DEFAULT 0 NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	"latency_sum_ms" bigint DEFAULT 0 NOT NULL,
	"latency_histogram" bigint[] DEFAULT '{}'::bigint[] NOT NULL,
	CONSTRAINT "usage_hourly_customer_id_service_hour_pk" PRIMARY KEY("customer_id","service","hour"),
	CONSTRAINT "usage_hourly_hour_aligned" CHECK ("usage_hourly"."hour" = date_trunc('hour', "usage_hourly"."hour", 'UTC')),
	CONSTRAINT "usage_hourly_counts_non_negative" CHECK ("usage_hourly"."requests" >= 0 and "usage_hourly"."billable" >= 0)
);
--> statement-breakpoint
CREATE TABLE "vault_versions" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"content_hash" text NOT NULL,
	"file_name" text NOT NULL,
	"customer_count" integer NOT NULL,
	"bytes" bigint NOT NULL,
	"encrypted" text DEFAULT 'none' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vault_versions_file_name_unique" UNIQUE("file_name"),
	CONSTRAINT "vault_versions_seq_positive" CHECK ("vault_versions"."seq" > 0),
	CONSTRAINT "vault_versions_hash_format" CHECK ("vault_versions"."content_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "worker_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "worker_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"cycle_id" uuid NOT NULL,
	"task" text NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"detail" jsonb,
	"error" text,
	CONSTRAINT "worker_runs_status_valid" CHECK ("worker_runs"."status" in ('running', 'ok', 'failed', 'skipped'))
);
--> statement-breakpoint
ALTER TABLE "activity_log" ADD CONSTRAINT "activity_log_customer_id_customers_customer_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("customer_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_customer_id_customers_customer_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("customer_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_service_instance_id_service_instances_id_fk" FOREIGN KEY ("service_instance_id") REFERENCES "public"."service_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_line_items" ADD CONSTRAINT "billing_line_items_invoice_id_billing_records_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."billing_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_records" ADD CONSTRAINT "billing_records_customer_id_customers_customer_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("customer_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escrow_accounts" ADD CONSTRAINT "escrow_accounts_customer_id_customers_customer_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("customer_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escrow_transactions" ADD CONSTRAINT "escrow_transactions_customer_id_customers_customer_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("customer_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escrow_transactions" ADD CONSTRAINT "escrow_transactions_invoice_id_billing_records_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."billing_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mock_chain_events" ADD CONSTRAINT "mock_chain_events_digest_mock_chain_transactions_digest_fk" FOREIGN KEY ("digest") REFERENCES "public"."mock_chain_transactions"("digest") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mock_chain_transactions" ADD CONSTRAINT "mock_chain_transactions_account_object_id_mock_chain_accounts_object_id_fk" FOREIGN KEY ("account_object_id") REFERENCES "public"."mock_chain_accounts"("object_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seal_keys" ADD CONSTRAINT "seal_keys_customer_id_customers_customer_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("customer_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seal_keys" ADD CONSTRAINT "seal_keys_service_instance_id_service_instances_id_fk" FOREIGN KEY ("service_instance_id") REFERENCES "public"."service_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seal_packages" ADD CONSTRAINT "seal_packages_customer_id_customers_customer_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("customer_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seal_packages" ADD CONSTRAINT "seal_packages_seal_key_id_seal_keys_id_fk" FOREIGN KEY ("seal_key_id") REFERENCES "public"."seal_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_instances" ADD CONSTRAINT "service_instances_customer_id_customers_customer_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("customer_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_customer_id_customers_customer_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("customer_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "activity_log_customer_idx" ON "activity_log" USING btree ("customer_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "api_keys_customer_idx" ON "api_keys" USING btree ("customer_id","service_type");--> statement-breakpoint
CREATE INDEX "auth_nonces_expires_idx" ON "auth_nonces" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "billing_line_items_invoice_idx" ON "billing_line_items" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "billing_records_customer_created_idx" ON "billing_records" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE INDEX "billing_records_status_idx" ON "billing_records" USING btree ("status") WHERE "billing_records"."status" in ('pending', 'failed');--> statement-breakpoint
CREATE INDEX "escrow_transactions_customer_idx" ON "escrow_transactions" USING btree ("customer_id","executed_at");--> statement-breakpoint
CREATE INDEX "haproxy_logs_customer_ts_idx" ON "haproxy_logs" USING btree ("customer_id","ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "haproxy_logs_batch_idx" ON "haproxy_logs" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "ingest_batches_unmetered_idx" ON "ingest_batches" USING btree ("id") WHERE "ingest_batches"."metered_at" is null;--> statement-breakpoint
CREATE INDEX "mock_chain_events_digest_idx" ON "mock_chain_events" USING btree ("digest");--> statement-breakpoint
CREATE INDEX "mock_chain_transactions_account_idx" ON "mock_chain_transactions" USING btree ("account_object_id","created_at");--> statement-breakpoint
CREATE INDEX "seal_keys_customer_idx" ON "seal_keys" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "sessions_family_idx" ON "sessions" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "sessions_customer_idx" ON "sessions" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "sessions_expires_idx" ON "sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "worker_runs_task_started_idx" ON "worker_runs" USING btree ("task","started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "worker_runs_cycle_idx" ON "worker_runs" USING btree ("cycle_id");