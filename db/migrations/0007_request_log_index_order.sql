DROP INDEX "haproxy_logs_customer_ts_id_idx";--> statement-breakpoint
DROP INDEX "haproxy_logs_customer_problems_idx";--> statement-breakpoint
CREATE INDEX "haproxy_logs_customer_ts_id_idx" ON "haproxy_logs" USING btree ("customer_id","ts" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "haproxy_logs_customer_problems_idx" ON "haproxy_logs" USING btree ("customer_id","ts" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE "haproxy_logs"."status" >= 400 or "haproxy_logs"."outcome" <> 'ok';