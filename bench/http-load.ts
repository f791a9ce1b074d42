// autocannon, typed for what the HTTP benchmark uses (the package ships no types): a fixed number
// of keep-alive connections for a fixed time against one path, the Cookie header rotating over
// signed-in sessions request by request.
import { createRequire } from "node:module";

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}

interface Percentiles {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: Percentiles;
  requests: Percentiles & { sent: number };
  throughput: Percentiles;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  timeout?: number;
  headers?: Record<string, string>;
  requests?: AutocannonRequest[];
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export interface LoadResult {
  path: string;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  bytesPerRequest: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

export interface LoadOptions {
  baseUrl: string;
  path: string;
  connections: number;
  seconds: number;
  /** Cookie headers to rotate over, one per request (none: anonymous). */
  cookies?: string[];
  headers?: Record<string, string>;
}

/** Browser-like request headers (what Chromium sends for a page navigation, minus cookies). */
export const PAGE_HEADERS: Record<string, string> = {
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "accept-encoding": "gzip, deflate, br",
  "accept-language": "en-US,en;q=0.9",
  "user-agent":
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36",
};

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const cookies = options.cookies ?? [];
  let next = 0;
  const request: AutocannonRequest = { method: "GET", path: options.path };
  if (cookies.length > 0) {
    request.setupRequest = (built) => {
      built.headers = { ...built.headers, cookie: cookies[next++ % cookies.length] ?? "" };
      return built;
    };
  }
  const result = await autocannon({
    url: options.baseUrl,
    connections: options.connections,
    duration: options.seconds,
    timeout: 10,
    headers: options.headers ?? PAGE_HEADERS,
    requests: [request],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats)) statusCodes[code] = stats.count;
  const requests = result.requests.total;
  return {
    path: options.path,
    seconds: result.duration,
    requests,
    requestsPerSecond: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    bytesPerRequest: requests > 0 ? result.throughput.total / requests : 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}
