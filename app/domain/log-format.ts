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
const PRINTABLE = /^[\x20-\x7e]*$/;
/** Earliest and latest plausible timestamps: 2020-01-01 and 2100-01-01. */
const MIN_TS_MS = 1_577_836_800_000;
const MAX_TS_MS = 4_102_444_800_000;

const SERVICES = new Set<string>(SERVICE_TYPES);
const OUTCOMES = new Set<string>(LOG_OUTCOMES);

// The field checks below are hand-written rather than regular expressions: ingest parses every
// line the edge logs, and this is its hottest loop.

/** A non-negative decimal integer of at most `maxDigits` digits, or -1. */
function unsigned(text: string, maxDigits: number): number {
  const length = text.length;
  if (length === 0 || length > maxDigits) return -1;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** A timer: -1 (not reached) or up to 9 digits of milliseconds; undefined when malformed. */
function timer(text: string): number | undefined {
  if (text === "-1") return -1;
  const value = unsigned(text, 9);
  return value < 0 ? undefined : value;
}

function isHexFingerprint(text: string): boolean {
  if (text.length !== 16) return false;
  for (let i = 0; i < 16; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function isMethod(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > 16) return false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 65 || c > 90) return false;
  }
  return true;
}

/** Dotted-quad IPv4 without leading zeros; anything with a colon goes to the full IPv6 check. */
function isClientIp(text: string): boolean {
  if (text.includes(":")) return isIP(text) === 6;
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  for (const part of parts) {
    const value = unsigned(part, 3);
    if (value < 0 || value > 255 || (part.length > 1 && part.charCodeAt(0) === 48)) return false;
  }
  return true;
}

export function parseLogLine(line: string): ParseResult {
  if (line.length > MAX_LOG_LINE_BYTES) return { ok: false, reason: "line too long" };
  let text = line;
  if (text.endsWith("\n")) text = text.slice(0, text.endsWith("\r\n") ? -2 : -1);
  if (!PRINTABLE.test(text)) return { ok: false, reason: "binary or non-ASCII content" };
  // The syslog header (priority, time, host, tag) precedes our payload.
  const start = text.indexOf(`${LOG_FORMAT_TAG} `);
  if (start < 0 || (start > 0 && text.charCodeAt(start - 1) !== 32))
    return { ok: false, reason: "no sfy1 payload" };
  const payload = start === 0 && !text.endsWith(" ") ? text : text.slice(start).trimEnd();
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

  const tsMs = unsigned(ts, 15);
  if (tsMs < 0) return { ok: false, reason: "bad timestamp" };
  if (tsMs < MIN_TS_MS || tsMs > MAX_TS_MS) return { ok: false, reason: "timestamp out of range" };
  if (!REGION.test(region)) return { ok: false, reason: "bad region" };
  if (!SERVER_ID.test(serverId)) return { ok: false, reason: "bad server id" };
  if (!SERVICES.has(service)) return { ok: false, reason: "unknown service" };
  let customerId: number | null = null;
  if (customer !== "-") {
    customerId = unsigned(customer, 10);
    if (customerId < 1 || customerId > 2_147_483_647) return { ok: false, reason: "bad customer id" };
  }
  if (keyFp !== "-" && !isHexFingerprint(keyFp)) return { ok: false, reason: "bad key fingerprint" };
  if (!isClientIp(clientIp)) return { ok: false, reason: "bad client ip" };
  if (!isMethod(method)) return { ok: false, reason: "bad method" };
  const statusCode = unsigned(status, 3);
  if (statusCode < 0) return { ok: false, reason: "bad status" };
  const bytesInCount = unsigned(bytesIn, 15);
  const bytesOutCount = unsigned(bytesOut, 15);
  if (bytesInCount < 0 || bytesOutCount < 0) return { ok: false, reason: "bad byte count" };
  const totalMs = timer(total);
  const backendMs = timer(backend);
  if (totalMs === undefined || backendMs === undefined) return { ok: false, reason: "bad timer" };
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
      status: statusCode,
      bytesIn: bytesInCount,
      bytesOut: bytesOutCount,
      tTotalMs: totalMs,
      tBackendMs: backendMs,
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
