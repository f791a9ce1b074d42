// Realistic HAProxy traffic for the benchmarks: a seeded mix of customers (a few heavy users, a long
// tail), services, regions, outcomes, statuses, byte counts and log-normal latencies, rendered as
// v1 log lines (with the syslog header rsyslog writes to files) or as the CSV our batch writer COPYs.
import { createHash } from "node:crypto";
import { formatLogLine, type LogRecord } from "#app/domain/log-format.ts";
import type { LogOutcome, ServiceType } from "#db/schema/index.ts";
import { customerIdOf } from "./support.ts";

export interface TrafficCustomer {
  customerId: number;
  service: ServiceType;
  keyFps: string[];
  ips: string[];
}

/** The API key hash the SQL fixtures store: sha256 of `apikey-<customer index>-<key number>`. */
export function apiKeyHash(customerIndex: number, keyNumber: number): string {
  return createHash("sha256").update(`apikey-${customerIndex}-${keyNumber}`).digest("hex");
}
export const API_KEY_HASH_SQL = (indexExpression: string, keyExpression: string) =>
  `encode(sha256(convert_to('apikey-' || (${indexExpression}) || '-' || (${keyExpression}), 'UTF8')), 'hex')`;

/** Seal for 70% of customers, gRPC for the rest (same rule as the SQL fixtures: index % 10 < 7). */
export function serviceOf(customerIndex: number): ServiceType {
  return customerIndex % 10 < 7 ? "seal" : "grpc";
}
export const SERVICE_SQL = (indexExpression: string) =>
  `(case when (${indexExpression}) % 10 < 7 then 'seal' else 'grpc' end)`;

/** Customers 1..count with their service, `keysPerCustomer(i)` keys and a few client IPs each. */
export function trafficCustomers(
  count: number,
  keysPerCustomer: (index: number) => number,
  random: () => number,
): TrafficCustomer[] {
  const customers: TrafficCustomer[] = [];
  for (let index = 1; index <= count; index++) {
    const ips: string[] = [];
    const ipCount = 1 + Math.floor(random() * 6);
    for (let n = 0; n < ipCount; n++) {
      ips.push(
        random() < 0.1
          ? `2001:db8:${Math.floor(random() * 65_536).toString(16)}::${Math.floor(random() * 65_536).toString(16)}`
          : `${11 + Math.floor(random() * 180)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
      );
    }
    const keyFps: string[] = [];
    for (let key = 1; key <= keysPerCustomer(index); key++) keyFps.push(apiKeyHash(index, key).slice(0, 16));
    customers.push({ customerId: customerIdOf(index), service: serviceOf(index), keyFps, ips });
  }
  return customers;
}

const REGIONS = [
  { region: "us-east", weight: 0.5, servers: ["use-edge-1", "use-edge-2", "use-edge-3", "use-edge-4"] },
  { region: "eu-central", weight: 0.35, servers: ["euc-edge-1", "euc-edge-2", "euc-edge-3"] },
  { region: "ap-southeast", weight: 0.15, servers: ["aps-edge-1", "aps-edge-2"] },
] as const;

function pick<T>(list: readonly T[], random: () => number): T {
  return list[Math.floor(random() * list.length)] as T;
}

/** Standard normal deviate (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function logNormal(random: () => number, median: number, sigma: number): number {
  return Math.round(median * Math.exp(sigma * normal(random)));
}

export interface TrafficOptions {
  startMs: number;
  endMs: number;
  count: number;
  random: () => number;
}

/**
 * `count` requests spread evenly over [startMs, endMs) with a little jitter (several edges log to
 * one file, slightly out of order). Customers are skewed: the top 1% make about a fifth of the traffic.
 */
export function* generateTraffic(
  customers: TrafficCustomer[],
  options: TrafficOptions,
): Generator<LogRecord> {
  const { startMs, endMs, count, random } = options;
  const span = endMs - startMs;
  for (let i = 0; i < count; i++) {
    const tsMs = Math.min(
      endMs - 1,
      Math.max(startMs, Math.floor(startMs + (i / count) * span + (random() - 0.5) * 400)),
    );
    const placeRoll = random();
    const place = placeRoll < 0.5 ? REGIONS[0] : placeRoll < 0.85 ? REGIONS[1] : REGIONS[2];
    const serverId = pick(place.servers, random);
    const roll = random();
    let outcome: LogOutcome;
    let status: number;
    let customer: TrafficCustomer | undefined;
    if (roll < 0.02) {
      outcome = "unauthorized";
      status = 401;
    } else {
      customer = customers[Math.floor(customers.length * random() ** 3)];
      if (roll < 0.05) {
        outcome = "ratelimited";
        status = 429;
      } else if (roll < 0.06) {
        outcome = "denied";
        status = 403;
      } else if (roll < 0.065) {
        outcome = "ipblocked";
        status = 403;
      } else if (roll < 0.07) {
        outcome = "error";
        status = pick([502, 503, 504], random);
      } else {
        outcome = "ok";
        const s = random();
        status = s < 0.92 ? 200 : s < 0.94 ? 204 : s < 0.95 ? 304 : s < 0.97 ? 400 : s < 0.99 ? 404 : 500;
      }
    }
    const service: ServiceType = customer?.service ?? (random() < 0.7 ? "seal" : "grpc");
    const seal = service === "seal";
    const tTotalMs = Math.max(0, logNormal(random, seal ? 9 : 14, 0.9));
    const reachedBackend = outcome === "ok" || (outcome === "error" && random() < 0.5);
    yield {
      tsMs,
      region: place.region,
      serverId,
      service,
      customerId: customer?.customerId ?? null,
      keyFp: customer ? pick(customer.keyFps, random) : null,
      clientIp: customer
        ? pick(customer.ips, random)
        : `${11 + Math.floor(random() * 180)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
      method: seal ? (random() < 0.85 ? "POST" : "GET") : "POST",
      status,
      bytesIn: seal ? 300 + Math.floor(random() * 900) : 100 + Math.floor(random() * 4_900),
      bytesOut: reachedBackend
        ? Math.max(60, logNormal(random, seal ? 1_400 : 2_500, seal ? 0.4 : 1.3))
        : 120,
      tTotalMs,
      tBackendMs: reachedBackend ? Math.max(0, tTotalMs - 1 - Math.floor(random() * 3)) : -1,
      outcome,
    };
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A log file line as rsyslog writes it: RFC 3164 header, then the v1 payload. */
export function syslogLine(record: LogRecord): string {
  const d = new Date(record.tsMs);
  const time = d.toISOString().slice(11, 19);
  const day = String(d.getUTCDate()).padStart(2, " ");
  return `<134>${MONTHS[d.getUTCMonth()]} ${day} ${time} ${record.serverId} haproxy[2211]: ${formatLogLine(record)}`;
}

/** Exactly the CSV row manager/ingest/batch-writer.ts COPYs for a record. */
export function csvRow(r: LogRecord, repeat: number, batchId: number): string {
  return `${new Date(r.tsMs).toISOString()},${r.region},${r.serverId},${r.service},${r.customerId ?? ""},${r.keyFp ?? ""},${r.clientIp},${r.method},${r.status},${r.bytesIn},${r.bytesOut},${r.tTotalMs},${r.tBackendMs},${r.outcome},${repeat},${batchId}\n`;
}

export const LOG_COLUMNS =
  "ts, region, server_id, service, customer_id, key_fp, client_ip, method, status, bytes_in, bytes_out, t_total_ms, t_backend_ms, outcome, repeat, batch_id";
