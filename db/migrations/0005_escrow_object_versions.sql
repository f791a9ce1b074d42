ALTER TABLE "escrow_accounts" ADD COLUMN "balance_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "mock_chain_accounts" ADD COLUMN "version" bigint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "mock_chain_transactions" ADD COLUMN "account_version" bigint DEFAULT 1 NOT NULL;