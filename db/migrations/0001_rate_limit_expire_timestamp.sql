-- rate-limiter-flexible's Drizzle store keeps `expire` as a timestamp (was epoch milliseconds).
ALTER TABLE "rate_limit_buckets" ALTER COLUMN "expire" SET DATA TYPE timestamp with time zone USING to_timestamp("expire" / 1000.0);
