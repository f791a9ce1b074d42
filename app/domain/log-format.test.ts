import { describe, expect, it } from "vitest";
import { formatLogLine, isBillable, type LogRecord, parseLogLine } from "./log-format.ts";

const record: LogRecord = {
  tsMs: 1_795_000_000_123,
  region: "us-east",
  serverId: "edge-1",
  service: "seal",
  customerId: 123456,
  keyFp: "0123456789abcdef",
  clientIp: "203.0.113.9",
  method: "POST",
  status: 200,
  bytesIn: 512,
  bytesOut: 2048,
  tTotalMs: 12,
  tBackendMs: 9,
  outcome: "ok",
};

describe("log format v1", () => {
  it("parses a payload behind a syslog header and round-trips", () => {
    const line = `<134>Nov 28 10:00:00 edge-1 haproxy[42]: ${formatLogLine(record)}`;
    const parsed = parseLogLine(line);
    expect(parsed).toEqual({ ok: true, record, payload: formatLogLine(record) });
  });

  it("reads '-' as no customer and no key, IPv6 clients, and -1 timers", () => {
    const parsed = parseLogLine(
      formatLogLine({
        ...record,
        customerId: null,
        keyFp: null,
        clientIp: "2001:db8::1",
        tBackendMs: -1,
        outcome: "unauthorized",
        status: 401,
      }),
    );
    expect(parsed.ok && parsed.record).toMatchObject({
      customerId: null,
      keyFp: null,
      clientIp: "2001:db8::1",
      tBackendMs: -1,
    });
  });

  it.each([
    ["empty", ""],
    ["another program", "<13>Nov 28 host sshd[1]: Accepted publickey"],
    ["truncated", formatLogLine(record).split(" ").slice(0, 10).join(" ")],
    ["extra field", `${formatLogLine(record)} extra`],
    ["binary", `${formatLogLine(record).slice(0, 20)}\u0000\u0001\u00ff`],
    ["oversized", `sfy1 ${"x".repeat(3000)}`],
    ["unknown service", formatLogLine(record).replace(" seal ", " walrus ")],
    ["bad outcome", formatLogLine({ ...record, outcome: "maybe" as LogRecord["outcome"] })],
    ["negative bytes", formatLogLine({ ...record, bytesIn: -5 })],
    ["customer zero", formatLogLine({ ...record, customerId: 0 })],
    ["customer too big", formatLogLine({ ...record, customerId: 2 ** 31 })],
    ["bad fingerprint", formatLogLine({ ...record, keyFp: "XYZ" })],
    ["bad ip", formatLogLine({ ...record, clientIp: "999.1.1.1" })],
    ["timestamp in the past", formatLogLine({ ...record, tsMs: 1_000 })],
    ["timestamp as seconds", formatLogLine({ ...record, tsMs: 1_795_000_000 })],
    ["lower-case method", formatLogLine({ ...record, method: "get" })],
    ["tag glued to text", `xsfy1 ${formatLogLine(record).slice(5)}`],
  ])("refuses %s lines", (_label, line) => {
    expect(parseLogLine(line).ok).toBe(false);
  });

  it("bills outcome ok with status 200–399 only", () => {
    expect(isBillable({ outcome: "ok", status: 200 })).toBe(true);
    expect(isBillable({ outcome: "ok", status: 399 })).toBe(true);
    expect(isBillable({ outcome: "ok", status: 404 })).toBe(false);
    expect(isBillable({ outcome: "ok", status: 503 })).toBe(false);
    expect(isBillable({ outcome: "ratelimited", status: 200 })).toBe(false);
  });
});
