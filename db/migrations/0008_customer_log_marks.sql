CREATE TABLE "customer_log_marks" (
	"customer_id" integer PRIMARY KEY NOT NULL,
	"batch_id" bigint NOT NULL
);
