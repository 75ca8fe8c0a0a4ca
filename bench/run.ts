// The benchmark, as users load the API: many distinct callers (one token per connection), each
// case measured side by side in one run (interleaved rounds, medians reported):
//   distinct    the bench query through the gateway, one caller per connection (the headline)
//   one-caller  the same query with one token on every connection: what in-flight deduplication
//               shares between identical requests (labelled as such; real traffic is not like this)
//   direct:<s>  each subgraph queried straight with the subgraph operations the planner sends for the
//               bench query (captured through the stand-in, not hand-written), distinct callers
//   ceiling     the same gateway over stand-in subgraphs answering those captured responses at no
//               cost: the gateway's own limit
// It prints requests/s, p50/p99, the serving process's CPU ms per request (what a shared machine's
// load does not change much), the ratios (gateway ÷ ceiling, direct sum ÷ gateway), subgraph
// requests per query, and the idle and peak RSS of every process. Local mode, demo data, SQLite in a
// temp folder, or a fresh PostgreSQL database when DATABASE_URL is set. Exit code 1 when a target
// (below) is missed.
//   npm run bench [-- --seconds 5 --rounds 3 --connections 20 --profile gateway,marketplace --node-flags "--max-semi-space-size=4" --source]
// The processes run as `npm start` runs them: their build in dist/ (built first when stale), with
// the same Node flags and environment; `--source` runs the TypeScript sources instead.
// `--profile` writes a V8 CPU profile of each named process into bench/profiles/ (open it in Chrome
// DevTools, or summarise it with `node bench/profile-summary.ts <file>`).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { SUBGRAPHS, type SubgraphName } from '../lib/config.ts';
import { ROOT } from '../lib/paths.ts';
import { SERVER_ENV, SERVER_NODE_FLAGS, ensureServersBuilt, serverFile } from '../scripts/build.ts';

/** What the bench query must reach with distinct callers on the 2-core reference machine. */
const TARGETS = { minRequestsPerSecond: 350, maxP99Ms: 100 };

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 5);
const rounds = arg('rounds', 3);
const connections = arg('connections', 20);
const profileIndex = process.argv.indexOf('--profile');
const profiled = new Set(profileIndex > 0 ? process.argv[profileIndex + 1]!.split(',') : []);
// `--node-flags "..."`: V8/Node flags for every process started instead of npm start's (to compare heap settings).
const flagsIndex = process.argv.indexOf('--node-flags');
const nodeFlags = flagsIndex > 0 ? process.argv[flagsIndex + 1]!.split(' ').filter(Boolean) : SERVER_NODE_FLAGS;
const fromSource = process.argv.includes('--source');
if (!fromSource && (await ensureServersBuilt())) console.log('built the servers (dist/)');
/** The file a server role runs: its build, or its source with `--source`. */
const entry = (name: SubgraphName | 'gateway') => (fromSource ? (name === 'gateway' ? 'gateway/server.ts' : `subgraphs/${name}/server.ts`) : serverFile(name));
// `--compare-gateway "<flags>"`: a second gateway over the same subgraphs, started with these flags
// instead, measured in the same interleaved rounds (an A/B of the gateway's heap settings).
const compareIndex = process.argv.indexOf('--compare-gateway');
const compareFlags = compareIndex > 0 ? process.argv[compareIndex + 1]!.split(' ').filter(Boolean) : undefined;
// `--cases ceiling,distinct`: measure only these cases (names as in the table's first column key:
// distinct, compared, one-caller, direct:<subgraph>, ceiling), e.g. to profile one process.
const casesIndex = process.argv.indexOf('--cases');
const onlyCases = casesIndex > 0 ? new Set(process.argv[casesIndex + 1]!.split(',')) : undefined;

const QUERY = readFileSync(join(ROOT, 'bench', 'query.graphql'), 'utf8');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Storage: a temp folder, and a database of its own on PostgreSQL.
const dataDir = mkdtempSync(join(tmpdir(), 'carbon-bench-'));
let databaseUrl: string | undefined;
let dropDatabase = async () => {};
if (process.env.DATABASE_URL) {
  const name = `carbon_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  dropDatabase = async () => {
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  };
}

const ports = { gateway: await freePort(), compared: await freePort(), ceiling: await freePort(), standin: await freePort() } as Record<string, number>;
for (const name of SUBGRAPHS) ports[name] = await freePort();
const subgraphUrl = (name: SubgraphName) => `http://127.0.0.1:${ports[name]}/graphql`;

const env: NodeJS.ProcessEnv = {
  ...SERVER_ENV,
  ...process.env,
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: 'warn',
  GATEWAY_PORT: String(ports.gateway),
  ...Object.fromEntries(SUBGRAPHS.map((n) => [`${n.toUpperCase()}_PORT`, String(ports[n])])),
};
if (!databaseUrl) delete env.DATABASE_URL;

const processes = new Map<string, ChildProcess>();
const start = (role: string, file: string, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}, flags = nodeFlags) => {
  const profile = profiled.has(role) ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'profiles'), '--cpu-prof-name', `${role}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...flags, ...profile, join(ROOT, file), ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
  processes.set(role, child);
  return child;
};
let stopped = false;
const stopAll = async () => {
  if (stopped) return;
  stopped = true;
  for (const c of processes.values()) c.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  await dropDatabase();
};

async function waitFor(url: string) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** CPU time (user + system) a process has used, from /proc: independent of what else the machine runs. */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
};
const CLOCK_TICKS = 100;
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

try {
  // The loader writes secrets.json once before the processes start (as npm start does).
  const { loadConfig } = await import('../lib/config.ts');
  loadConfig(env);
  for (const name of SUBGRAPHS) start(name, entry(name));
  await Promise.all(SUBGRAPHS.map((n) => waitFor(`http://127.0.0.1:${ports[n]}/health`)));
  start('standin', 'bench/standin.ts', [String(ports.standin), ...SUBGRAPHS.map((n) => `${n}=${subgraphUrl(n)}`)]);
  start('gateway', entry('gateway'));
  start('ceiling', entry('gateway'), [], {
    GATEWAY_PORT: String(ports.ceiling),
    ...Object.fromEntries(SUBGRAPHS.map((n) => [`${n.toUpperCase()}_URL`, `http://127.0.0.1:${ports.standin}/${n}`])),
  });
  if (compareFlags) start('gateway (compared)', entry('gateway'), [], { GATEWAY_PORT: String(ports.compared) }, compareFlags);
  await Promise.all([waitFor(`http://127.0.0.1:${ports.gateway}/health`), waitFor(`http://127.0.0.1:${ports.ceiling}/`), ...(compareFlags ? [waitFor(`http://127.0.0.1:${ports.compared}/`)] : [])]);

  // One signed-in caller per connection, each a user of its own (as authenticate makes them).
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { backendSecretKey: string };
  const signIn = async (email: string) => {
    const res = await fetch(`http://127.0.0.1:${ports.gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-backend-secret-key': secrets.backendSecretKey },
      body: JSON.stringify({ query: `mutation { authenticate(input: { email: "${email}" }) { accessToken } }` }),
    });
    return ((await res.json()) as { data: { authenticate: { accessToken: string } } }).data.authenticate.accessToken;
  };
  const distinctTokens = await Promise.all(Array.from({ length: connections }, (_v, i) => signIn(`bench-caller-${i}@buyer.example`)));
  const oneToken = await signIn('alice@buyer.example');

  const body = JSON.stringify({ query: QUERY });
  type Request = { path: string; headers: Record<string, string>; body: string };
  const gatewayRequests = (tokens: string[]): Request[] =>
    tokens.map((t) => ({ path: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` }, body }));

  // Capture: one query per caller through the stand-in's gateway (the stand-in keeps each distinct
  // subgraph request and its answer).
  const capturePool = new Pool(`http://127.0.0.1:${ports.ceiling}`, { connections: 1 });
  for (const r of gatewayRequests(distinctTokens)) await (await capturePool.request({ ...r, method: 'POST' })).body.text();
  const before = (await (await fetch(`http://127.0.0.1:${ports.standin}/captured`)).json()) as { requests: number };
  await (await capturePool.request({ ...gatewayRequests([distinctTokens[0]!])[0]!, method: 'POST' })).body.text();
  await capturePool.close();
  const capture = (await (await fetch(`http://127.0.0.1:${ports.standin}/captured`)).json()) as {
    requests: number;
    captured: { subgraph: SubgraphName; headers: Record<string, string>; body: string }[];
  };
  const subgraphRequestsPerQuery = capture.requests - before.requests;
  const directRequests = (name: SubgraphName): Request[] =>
    distinctTokens.flatMap((t) =>
      capture.captured
        .filter((c) => c.subgraph === name)
        .map((c) => ({ path: '/graphql', headers: { ...c.headers, authorization: `Bearer ${t}` }, body: c.body })),
    );

  // Each case: an origin and one request list per connection (connection i sends requests[i % n]).
  // `role`: the process that serves the case, whose CPU time per request is reported.
  const cases: { name: string; label: string; origin: number; role: string; requests: Request[] }[] = [
    { name: 'distinct', label: 'bench query, distinct callers (one token each)', origin: ports.gateway!, role: 'gateway', requests: gatewayRequests(distinctTokens) },
    ...(compareFlags
      ? [{ name: 'compared', label: `bench query, distinct callers, gateway with ${compareFlags.join(' ')}`, origin: ports.compared!, role: 'gateway (compared)', requests: gatewayRequests(distinctTokens) }]
      : []),
    { name: 'one-caller', label: 'bench query, one caller (in-flight deduplication shares work)', origin: ports.gateway!, role: 'gateway', requests: gatewayRequests([oneToken]) },
    ...SUBGRAPHS.filter((n) => capture.captured.some((c) => c.subgraph === n)).map((n) => ({
      name: `direct:${n}`,
      label: `${n} directly, its captured operations, distinct callers`,
      origin: ports[n]!,
      role: n,
      requests: directRequests(n),
    })),
    { name: 'ceiling', label: 'gateway over stand-in subgraphs (its own ceiling)', origin: ports.ceiling!, role: 'ceiling', requests: gatewayRequests(distinctTokens) },
  ];

  if (onlyCases) cases.splice(0, cases.length, ...cases.filter((c) => onlyCases.has(c.name)));

  const idleRss = Object.fromEntries([...processes].map(([role, c]) => [role, rssMb(c.pid!)]));
  const peakRss = { ...idleRss };
  const sampler = setInterval(() => {
    for (const [role, c] of processes) peakRss[role] = Math.max(peakRss[role]!, rssMb(c.pid!));
  }, 100);

  async function run(c: (typeof cases)[number], durationMs: number) {
    const pool = new Pool(`http://127.0.0.1:${c.origin}`, { connections, pipelining: 1 });
    const latencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + durationMs;
    const cpuBefore = cpuMs(processes.get(c.role)!.pid!);
    await Promise.all(
      Array.from({ length: connections }, async (_v, i) => {
        for (let n = 0; performance.now() < deadline; n++) {
          const r = c.requests[(i + n * connections) % c.requests.length]!;
          const t = performance.now();
          const res = await pool.request({ ...r, method: 'POST' });
          const text = await res.body.text();
          if (res.statusCode !== 200 || text.includes('"errors"')) errors++;
          latencies.push(performance.now() - t);
        }
      }),
    );
    const cpuPerRequest = (cpuMs(processes.get(c.role)!.pid!) - cpuBefore) / Math.max(1, latencies.length);
    await pool.close();
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
    return { rps: latencies.length / (durationMs / 1000), p50: pct(50), p99: pct(99), errors, cpuPerRequest };
  }

  for (const c of cases) await run(c, 1000); // warm-up: plans cached, connections open, JIT warm
  const results = new Map<string, Awaited<ReturnType<typeof run>>[]>();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) results.set(c.name, [...(results.get(c.name) ?? []), await run(c, seconds * 1000)]);
  }
  clearInterval(sampler);

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = Object.fromEntries(
    cases.map((c) => {
      const rs = results.get(c.name)!;
      return [c.name, { label: c.label, rps: Math.round(median(rs.map((r) => r.rps))), p50Ms: Math.round(median(rs.map((r) => r.p50))), p99Ms: Math.round(median(rs.map((r) => r.p99))), errors: rs.reduce((s, r) => s + r.errors, 0), cpuMs: median(rs.map((r) => r.cpuPerRequest)) }];
    }),
  );

  console.log(`\nbench: ${connections} connections, ${rounds} interleaved rounds of ${seconds} s per case, ${databaseUrl ? 'PostgreSQL' : 'SQLite'}, local mode, demo data, ${fromSource ? 'TypeScript sources' : 'built servers (dist/)'}${nodeFlags.length ? `, node ${nodeFlags.join(' ')}` : ''}\n`);
  // CPU ms per request: of the process serving the case (the gateway, or the subgraph queried directly).
  console.log('| case | req/s | p50 ms | p99 ms | errors | CPU ms / request |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const s of Object.values(summary)) console.log(`| ${s.label} | ${s.rps} | ${s.p50Ms} | ${s.p99Ms} | ${s.errors} | ${s.cpuMs.toFixed(2)} |`);
  const { distinct, ceiling } = summary;
  const directCases = Object.entries(summary).filter(([n]) => n.startsWith('direct:'));
  // Time per query the subgraphs need on their own, summed: what one query costs below the gateway.
  const directSumRps = 1 / directCases.reduce((s, [, d]) => s + 1 / d.rps, 0);
  if (distinct && ceiling && summary['one-caller'] && directCases.length) {
    console.log(`\nratios: gateway ÷ ceiling ${(distinct.rps / ceiling.rps).toFixed(2)}; one caller ÷ distinct ${(summary['one-caller'].rps / distinct.rps).toFixed(2)}; gateway ÷ subgraphs in series ${(distinct.rps / directSumRps).toFixed(2)} (subgraphs in series ${Math.round(directSumRps)} req/s)`);
  }
  console.log(`subgraph requests per query: ${subgraphRequestsPerQuery} (SQL statements and upstream calls per query are asserted in the tests)`);
  console.log('\n| process | idle RSS MB | peak RSS MB |');
  console.log('| --- | --- | --- |');
  for (const role of processes.keys()) console.log(`| ${role} | ${Math.round(idleRss[role]!)} | ${Math.round(peakRss[role]!)} |`);

  const misses = [
    distinct && distinct.rps < TARGETS.minRequestsPerSecond && `distinct callers ${distinct.rps} req/s < ${TARGETS.minRequestsPerSecond}`,
    distinct && distinct.p99Ms > TARGETS.maxP99Ms && `distinct callers p99 ${distinct.p99Ms} ms > ${TARGETS.maxP99Ms}`,
    Object.values(summary).some((s) => s.errors > 0) && 'some responses had errors',
  ].filter(Boolean);
  console.log(misses.length ? `\ntargets missed: ${misses.join('; ')}` : `\nall targets met (${JSON.stringify(TARGETS)})`);
  await stopAll();
  process.exit(misses.length ? 1 : 0);
} catch (error) {
  await stopAll();
  throw error;
}
