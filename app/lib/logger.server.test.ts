import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.server.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()));
      callback();
    },
  });
  return { lines, logger: createLogger({ level: "info", destination }) };
}

describe("logger", () => {
  it("redacts cookies, tokens, signatures and API keys wherever they appear", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        req: { headers: { cookie: "sid=secret", authorization: "Bearer abc", "x-api-key": "SABC" } },
        body: { signature: "AAAsig", address: "0xabc" },
        refreshToken: "rt",
        session: { accessToken: "at", apiKey: "key" },
      },
      "request",
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ["sid=secret", "Bearer abc", "SABC", "AAAsig", '"rt"', '"at"', '"key"']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain("0xabc");
    expect(lines[0]).toMatchObject({ level: "info", msg: "request", refreshToken: "[redacted]" });
  });
});
