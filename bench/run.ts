// The benchmark: starts the gateway and the four subgraphs as separate processes (local mode,
// SQLite, demo data) on spare ports, drives one cross-subgraph query at them over keep-alive
// connections for a fixed time, and checks throughput, tail latency and the gateway's memory
// against the targets below. Exit code 1 when a target is missed.
//   npm run bench [-- --seconds 10 --connections 20 --no-dedup]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { SUBGRAPHS } from '../lib/config.ts';
import { ROOT } from '../lib/subgraph.ts';

// Measured on the reference machine (2 cores, Node 24, all five processes on it): 630 req/s,
// p99 55 ms, gateway RSS 430 MB (445 req/s, p99 85 ms, 600 MB with --no-dedup). The targets leave
// room for a busier machine and fail on a real regression.
const TARGETS = { minRequestsPerSecond: 400, maxP99Ms: 120, maxGatewayRssMb: 700 };

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 10);
const connections = arg('connections', 20);
const basePort = arg('port', 4600);
const dedup = !process.argv.includes('--no-dedup');

const QUERY = readFileSync(join(ROOT, 'bench', 'query.graphql'), 'utf8');

const dataDir = mkdtempSync(join(tmpdir(), 'carbon-bench-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  GATEWAY_DEDUPLICATE_INFLIGHT: String(dedup),
  GATEWAY_PORT: String(basePort),
  ...Object.fromEntries(SUBGRAPHS.map((n, i) => [`${n.toUpperCase()}_PORT`, String(basePort + 1 + i)])),
};
delete env.DATABASE_URL;

const children: ChildProcess[] = [];
const start = (file: string) => {
  const child = spawn(process.execPath, [join(ROOT, file)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
};
const stopAll = () => {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
};
process.on('exit', stopAll);

async function waitFor(url: string) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

// The loader writes secrets.json once before the processes start (as npm start does).
const { loadConfig } = await import('../lib/config.ts');
loadConfig(env);
for (const name of SUBGRAPHS) start(`subgraphs/${name}/server.ts`);
await Promise.all(SUBGRAPHS.map((_n, i) => waitFor(`http://127.0.0.1:${basePort + 1 + i}/health`)));
const gateway = start('gateway/server.ts');
await waitFor(`http://127.0.0.1:${basePort}/health`);

// A signed-in caller, as a frontend would be (footprints needs a token).
const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { backendSecretKey: string };
const signIn = await fetch(`http://127.0.0.1:${basePort}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-backend-secret-key': secrets.backendSecretKey },
  body: JSON.stringify({ query: 'mutation { authenticate(input: { email: "alice@buyer.example" }) { accessToken } }' }),
});
const token = ((await signIn.json()) as { data: { authenticate: { accessToken: string } } }).data.authenticate.accessToken;

const pool = new Pool(`http://127.0.0.1:${basePort}`, { connections, pipelining: 1 });
const body = JSON.stringify({ query: QUERY });
const send = async () => {
  const res = await pool.request({ path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  const text = await res.body.text();
  if (res.statusCode !== 200 || text.includes('"errors"')) throw new Error(`bad response ${res.statusCode}: ${text.slice(0, 300)}`);
};

// Warm-up: plans cached, connections open, JIT warm.
await Promise.all(Array.from({ length: connections * 10 }, send));

const latencies: number[] = [];
let peakRss = rssMb(gateway.pid!);
const deadline = performance.now() + seconds * 1000;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, rssMb(gateway.pid!));
}, 100);
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await send();
      latencies.push(performance.now() - t);
    }
  }),
);
clearInterval(sampler);
await pool.close();

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
const rps = latencies.length / seconds;
const results = {
  query: 'bench/query.graphql (marketplace + payments + registry + footprints)',
  connections,
  seconds,
  inflightDeduplication: dedup,
  requests: latencies.length,
  requestsPerSecond: Math.round(rps),
  p50Ms: Number(pct(50).toFixed(1)),
  p99Ms: Number(pct(99).toFixed(1)),
  gatewayPeakRssMb: Math.round(peakRss),
};
console.log(JSON.stringify(results, null, 2));
const misses = [
  rps < TARGETS.minRequestsPerSecond && `throughput ${Math.round(rps)} req/s < ${TARGETS.minRequestsPerSecond}`,
  results.p99Ms > TARGETS.maxP99Ms && `p99 ${results.p99Ms} ms > ${TARGETS.maxP99Ms}`,
  results.gatewayPeakRssMb > TARGETS.maxGatewayRssMb && `gateway RSS ${results.gatewayPeakRssMb} MB > ${TARGETS.maxGatewayRssMb}`,
].filter(Boolean);
console.log(misses.length ? `targets missed: ${misses.join('; ')}` : `all targets met (${JSON.stringify(TARGETS)})`);
stopAll();
process.exit(misses.length ? 1 : 0);
