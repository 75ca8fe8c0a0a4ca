// The load: `connections` keep-alive connections, each sending its next request as soon as the last
// answer arrived (closed loop), for a fixed time. A request may be signed afresh on every send (a
// subgraph queried directly refuses a signature it has seen). Errors are answers that are not 200
// or carry GraphQL `errors`; user errors (`userErrors` of a mutation's payload) are counted apart,
// by code: a refused order is an answer, not a failure.
import { Pool } from 'undici';
import { signRequest, type SigningKey } from '../lib/signature.ts';

export interface BenchRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Signed as the gateway signs, on every send. */
  sign?: SigningKey;
  write?: boolean;
}

export interface Measured {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The first error's answer (status and the start of its body), to say what failed. */
  firstError?: string;
  writes: number;
  userErrors: Record<string, number>;
  /** CPU ms per request of the process serving the case. */
  cpuPerRequest: number;
}

const USER_ERROR_CODES = /"userErrors":\[(\{[^\]]*)\]/g;

/** Counts the codes of non-empty `userErrors` lists in an answer. */
function userErrorCodes(text: string, into: Record<string, number>) {
  for (const m of text.matchAll(USER_ERROR_CODES)) {
    for (const code of m[1]!.matchAll(/"code":"([A-Z_]+)"/g)) into[code[1]!] = (into[code[1]!] ?? 0) + 1;
  }
}

function prepared(r: BenchRequest): { path: string; method: 'POST'; headers: Record<string, string>; body: string } {
  const headers = r.sign
    ? {
        ...r.headers,
        ...signRequest(r.sign, {
          method: 'POST',
          path: r.path,
          body: r.body,
          authorization: r.headers.authorization ?? null,
        }),
      }
    : r.headers;
  return { path: r.path, method: 'POST', headers, body: r.body };
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Sends `next(connection, n)` (the n-th request of a connection) on every connection for
 * `durationMs`; `cpuMs` reads the serving process's CPU time before and after.
 */
export async function measure(
  origin: string,
  connections: number,
  durationMs: number,
  next: (connection: number, n: number) => BenchRequest,
  cpuMs: () => number,
): Promise<Measured> {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const latencies: number[] = [];
  const userErrors: Record<string, number> = {};
  let errors = 0;
  let writes = 0;
  let firstError: string | undefined;
  const deadline = performance.now() + durationMs;
  const cpuBefore = cpuMs();
  await Promise.all(
    Array.from({ length: connections }, async (_v, i) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const r = next(i, n);
        const t = performance.now();
        const res = await pool.request(prepared(r));
        const text = await res.body.text();
        latencies.push(performance.now() - t);
        if (r.write) writes++;
        if (res.statusCode !== 200 || text.startsWith('{"errors"') || text.includes('"errors":[')) {
          errors++;
          firstError ??= `${res.statusCode} ${text.slice(0, 300)}`;
        }
        if (r.write) userErrorCodes(text, userErrors);
      }
    }),
  );
  const cpuPerRequest = (cpuMs() - cpuBefore) / Math.max(1, latencies.length);
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rps: latencies.length / (durationMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    firstError,
    writes,
    userErrors,
    cpuPerRequest,
  };
}
