DROP INDEX "haproxy_logs_customer_ts_idx";--> statement-breakpoint
ALTER TABLE "haproxy_logs" ADD COLUMN "id" bigserial NOT NULL;--> statement-breakpoint
CREATE INDEX "haproxy_logs_customer_ts_id_idx" ON "haproxy_logs" USING btree ("customer_id","ts" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "haproxy_logs_customer_problems_idx" ON "haproxy_logs" USING btree ("customer_id","ts" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "haproxy_logs"."status" >= 400 or "haproxy_logs"."outcome" <> 'ok';