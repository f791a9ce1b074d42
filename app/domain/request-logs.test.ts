import { describe, expect, it } from "vitest";
import { decodeLogRows, type KeyChoice, type LogRowTuple } from "./request-logs.ts";

describe("decodeLogRows", () => {
  const keys: KeyChoice[] = [
    { id: 7, label: "SABCDE…WXYZ", fingerprint: "0123456789abcdef", state: "active" },
  ];
  const row = (keyFp: string | null, id: number): LogRowTuple => [
    Date.UTC(2026, 10, 28, 12, 0, 1, 234),
    id,
    "eu-west",
    "seal",
    "POST",
    503,
    "error",
    2_004,
    312,
    96,
    keyFp,
    3,
  ];

  it("turns PostgreSQL's tuples into entries, labelling each request's key for the customer", () => {
    const rows = JSON.stringify([row("0123456789abcdef", 42), row("fedcba9876543210", 41), row(null, 40)]);
    const entries = decodeLogRows(rows, keys);
    expect(entries[0]).toEqual({
      key: `${Date.UTC(2026, 10, 28, 12, 0, 1, 234)}.42`,
      ts: "2026-11-28T12:00:01.234Z",
      region: "eu-west",
      service: "seal",
      method: "POST",
      status: 503,
      outcome: "error",
      latencyMs: 2_004,
      bytesIn: 312,
      bytesOut: 96,
      apiKey: "SABCDE…WXYZ",
      repeat: 3,
    });
    expect(entries.map((entry) => entry.apiKey)).toEqual(["SABCDE…WXYZ", "unknown key fedcba98", null]);
    expect(new Set(entries.map((entry) => entry.key)).size).toBe(3);
  });

  it("reads an empty page", () => {
    expect(decodeLogRows("[]", keys)).toEqual([]);
  });
});
