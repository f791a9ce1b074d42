// Structured JSON logs (pino). Secrets never reach the log: cookies, tokens, signatures and
// API keys are redacted wherever they appear in a logged object.
import pino from "pino";

export type Logger = pino.Logger;

export const REDACTED_PATHS = [
  "req.headers.cookie",
  "req.headers.authorization",
  "req.headers['x-api-key']",
  "res.headers['set-cookie']",
  "headers.cookie",
  "headers.authorization",
  "cookie",
  "*.cookie",
  "signature",
  "*.signature",
  "token",
  "*.token",
  "accessToken",
  "*.accessToken",
  "refreshToken",
  "*.refreshToken",
  "apiKey",
  "*.apiKey",
  "secret",
  "*.secret",
  "sessionSecret",
  "*.sessionSecret",
];

export function createLogger(options: {
  level: string;
  name?: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? "suiftly",
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
