// HAProxy log line, version 1 (spec §7): the contract with the edge. After the syslog header the
// payload is 15 space-separated fields:
//   sfy1 <unix_ms> <region> <server_id> <service> <customer_id|-> <key_fp|-> <client_ip> <method>
//        <status> <bytes_in> <bytes_out> <t_total_ms> <t_backend_ms> <outcome>
// Anything else is malformed: counted, sampled into the log, never inserted, never fatal.
import { isIP } from "node:net";
import { LOG_OUTCOMES, type LogOutcome, SERVICE_TYPES, type ServiceType } from "#db/schema/index.ts";

export const LOG_FORMAT_TAG = "sfy1";
/** Longer lines are not ours (or are garbage): refused before any parsing. */
export const MAX_LOG_LINE_BYTES = 2_048;

export interface LogRecord {
  tsMs: number;
  region: string;
  serverId: string;
  service: ServiceType;
  customerId: number | null;
  keyFp: string | null;
  clientIp: string;
  method: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  tTotalMs: number;
  tBackendMs: number;
  outcome: LogOutcome;
}

export type ParseResult = { ok: true; record: LogRecord; payload: string } | { ok: false; reason: string };

const REGION = /^[a-z0-9][a-z0-9-]{0,31}$/;
const SERVER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const KEY_FP = /^[0-9a-f]{16}$/;
const METHOD = /^[A-Z]{1,16}$/;
const UNSIGNED = /^\d{1,15}$/;
const TIMER = /^(-1|\d{1,9})$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
/** Earliest and latest plausible timestamps: 2020-01-01 and 2100-01-01. */
const MIN_TS_MS = 1_577_836_800_000;
const MAX_TS_MS = 4_102_444_800_000;

const SERVICES = new Set<string>(SERVICE_TYPES);
const OUTCOMES = new Set<string>(LOG_OUTCOMES);

export function parseLogLine(line: string): ParseResult {
  if (line.length > MAX_LOG_LINE_BYTES) return { ok: false, reason: "line too long" };
  const trimmed = line.replace(/\r?\n$/, "");
  if (!PRINTABLE.test(trimmed)) return { ok: false, reason: "binary or non-ASCII content" };
  // The syslog header (priority, time, host, tag) precedes our payload.
  const start = trimmed.indexOf(`${LOG_FORMAT_TAG} `);
  if (start < 0 || (start > 0 && trimmed[start - 1] !== " ")) return { ok: false, reason: "no sfy1 payload" };
  const payload = trimmed.slice(start).trimEnd();
  const fields = payload.split(" ");
  if (fields.length !== 15) return { ok: false, reason: `expected 15 fields, got ${fields.length}` };
  const [
    ,
    ts,
    region,
    serverId,
    service,
    customer,
    keyFp,
    clientIp,
    method,
    status,
    bytesIn,
    bytesOut,
    total,
    backend,
    outcome,
  ] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];

  if (!UNSIGNED.test(ts)) return { ok: false, reason: "bad timestamp" };
  const tsMs = Number(ts);
  if (tsMs < MIN_TS_MS || tsMs > MAX_TS_MS) return { ok: false, reason: "timestamp out of range" };
  if (!REGION.test(region)) return { ok: false, reason: "bad region" };
  if (!SERVER_ID.test(serverId)) return { ok: false, reason: "bad server id" };
  if (!SERVICES.has(service)) return { ok: false, reason: "unknown service" };
  let customerId: number | null = null;
  if (customer !== "-") {
    if (!/^\d{1,10}$/.test(customer)) return { ok: false, reason: "bad customer id" };
    customerId = Number(customer);
    if (customerId < 1 || customerId > 2_147_483_647) return { ok: false, reason: "bad customer id" };
  }
  if (keyFp !== "-" && !KEY_FP.test(keyFp)) return { ok: false, reason: "bad key fingerprint" };
  if (isIP(clientIp) === 0) return { ok: false, reason: "bad client ip" };
  if (!METHOD.test(method)) return { ok: false, reason: "bad method" };
  if (!/^\d{1,3}$/.test(status)) return { ok: false, reason: "bad status" };
  if (!UNSIGNED.test(bytesIn) || !UNSIGNED.test(bytesOut)) return { ok: false, reason: "bad byte count" };
  if (!TIMER.test(total) || !TIMER.test(backend)) return { ok: false, reason: "bad timer" };
  if (!OUTCOMES.has(outcome)) return { ok: false, reason: "unknown outcome" };
  return {
    ok: true,
    payload,
    record: {
      tsMs,
      region,
      serverId,
      service: service as ServiceType,
      customerId,
      keyFp: keyFp === "-" ? null : keyFp,
      clientIp,
      method,
      status: Number(status),
      bytesIn: Number(bytesIn),
      bytesOut: Number(bytesOut),
      tTotalMs: Number(total),
      tBackendMs: Number(backend),
      outcome: outcome as LogOutcome,
    },
  };
}

/** Render a record as a v1 payload (used by tests, benchmarks and the reference edge). */
export function formatLogLine(record: LogRecord): string {
  return [
    LOG_FORMAT_TAG,
    record.tsMs,
    record.region,
    record.serverId,
    record.service,
    record.customerId ?? "-",
    record.keyFp ?? "-",
    record.clientIp,
    record.method,
    record.status,
    record.bytesIn,
    record.bytesOut,
    record.tTotalMs,
    record.tBackendMs,
    record.outcome,
  ].join(" ");
}

/** Billable = outcome ok with status 200–399 (spec §3 Usage). */
export function isBillable(record: Pick<LogRecord, "outcome" | "status">): boolean {
  return record.outcome === "ok" && record.status >= 200 && record.status <= 399;
}
