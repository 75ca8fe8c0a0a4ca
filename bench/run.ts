// The benchmark, as users load the API: personas with distinct callers (one token per connection),
// each case measured side by side in one run (interleaved rounds, medians reported):
//   persona:<name>  each persona's reads through the gateway (bench/personas.ts): returning buyers
//                   (the headline), new buyers (the bench query, bench/query.graphql), anonymous
//                   catalogue browsers, organization members, the admin
//   mixed           every persona at once, about one request in ten a write (orders, offset orders,
//                   product offsets); errors must be 0, user errors are counted by code
//   one-caller      the bench query with one token on every connection: what in-flight
//                   deduplication shares between identical requests (real traffic is not like this)
//   direct:<s>      each subgraph sent the subgraph operations the planner sends for the headline
//                   query (captured through the stand-in, not hand-written), each caller's own
//   ceiling         the same gateway over stand-in subgraphs answering those captured responses at
//                   no cost: the gateway's own limit
// It prints requests/s, p50/p99, the serving process's CPU ms per request (process CPU time ÷
// requests, from /proc: what a shared machine's load does not change much), the ratios (gateway ÷
// ceiling, gateway ÷ subgraphs in series), subgraph requests per query, and the idle and peak RSS
// of every process. Local mode, SQLite in a temp folder, or a fresh PostgreSQL database when
// DATABASE_URL is set. Exit code 1 when a target (TARGETS) is missed.
//   npm run bench [-- --seconds 5 --rounds 3 --connections 20 --profile gateway,marketplace --node-flags "--max-semi-space-size=4" --source --cases persona:returning,ceiling
//                     --compare-gateway "<flags>" --compare-gateway-file <other build>/dist/gateway.js --compare-over-standin]
// The processes run as `npm start` runs them: their build in dist/ (built first when stale), with
// the same Node flags and environment; `--source` runs the TypeScript sources instead.
// `--profile` writes a V8 CPU profile of each named process into bench/profiles/ (open it in Chrome
// DevTools, or summarise it with `node bench/profile-summary.ts <file>`).
import { loadavg } from 'node:os';
import { SUBGRAPHS, type SubgraphName } from '../subgraphs/index.ts';
import { SERVER_NODE_FLAGS, ensureServersBuilt } from '../scripts/build.ts';
import { measure, median, type BenchRequest, type Measured } from './load.ts';
import {
  BENCH_QUERY,
  PERSONA_LABELS,
  checkDocuments,
  mixedRequest,
  readOf,
  seedCallers,
  type Callers,
  type PersonaName,
} from './personas.ts';
import { startStack, type Stack } from './stack.ts';

/** What the stack must reach on the 2-core reference machine (README "Benchmark", docs/benchmark.md). */
export const TARGETS = {
  /** Gateway CPU ms per request of the bench query (new buyers). */
  maxGatewayCpuMs: 1.8,
  /** Gateway req/s ÷ the subgraphs' req/s in series, for the headline. */
  minGatewayToSeries: 0.7,
  /** Returning buyers, 20 distinct callers. */
  minHeadlineRps: 300,
  maxHeadlineP99Ms: 120,
  maxIdleRssGatewayMb: 160,
  maxIdleRssSubgraphMb: 130,
  maxPeakToIdle: 1.5,
};

interface Options {
  seconds: number;
  rounds: number;
  connections: number;
  profiled: Set<string>;
  nodeFlags: string[];
  fromSource: boolean;
  compareFlags?: string[];
  compareFile?: string;
  compareOverStandin?: boolean;
  onlyCases?: Set<string>;
}

function options(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i > 0 ? argv[i + 1] : undefined;
  };
  const list = (name: string, sep: string) => value(name)?.split(sep).filter(Boolean);
  return {
    seconds: Number(value('seconds') ?? 5),
    rounds: Number(value('rounds') ?? 3),
    connections: Number(value('connections') ?? 20),
    profiled: new Set(list('profile', ',') ?? []),
    // `--node-flags "..."`: V8/Node flags for every process started instead of npm start's.
    nodeFlags: list('node-flags', ' ') ?? SERVER_NODE_FLAGS,
    fromSource: argv.includes('--source'),
    // `--compare-gateway "<flags>"`: a second gateway over the same subgraphs with these flags (an A/B).
    compareFlags: list('compare-gateway', ' '),
    // `--compare-gateway-file <file>`: a second gateway running another build (e.g. another commit's dist/gateway.js).
    compareFile: value('compare-gateway-file'),
    // `--compare-over-standin`: the second gateway runs over the stand-in, a ceiling to compare with `ceiling`.
    compareOverStandin: argv.includes('--compare-over-standin'),
    // `--cases persona:returning,ceiling`: measure only these cases (names as in the table's keys).
    onlyCases: value('cases') ? new Set(list('cases', ',')) : undefined,
  };
}

interface Case {
  name: string;
  label: string;
  origin: number;
  /** The process serving the case, whose CPU time per request is reported. */
  role: string;
  next(connection: number, n: number): BenchRequest;
}

interface Captured {
  subgraph: SubgraphName;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends the headline query of every returning buyer once through the ceiling gateway: the stand-in
 * keeps each distinct subgraph request. Returns, per caller, the subgraph requests its query made,
 * and the number of subgraph requests per query: the first caller's, and the last one's (public
 * fetches the gateway keeps for every caller are then answered from its cache).
 */
async function captureSubgraphOperations(
  stack: Stack,
  callers: Callers,
): Promise<{ perCaller: Captured[][]; perQuery: PerQuery }> {
  const standin = `http://127.0.0.1:${stack.ports.standin}/captured`;
  const state = async () =>
    (await (await fetch(standin)).json()) as { requests: number; captured: Captured[]; received: number[] };
  const perCaller: number[][] = [];
  for (const [i] of callers.tokens.returning.entries()) {
    const from = (await state()).requests;
    const r = readOf('returning', callers, i);
    await (
      await fetch(`http://127.0.0.1:${stack.ports.ceiling}${r.path}`, {
        method: 'POST',
        headers: r.headers,
        body: r.body,
      })
    ).text();
    perCaller.push((await state()).received.slice(from));
    // A compared gateway serves the same first queries as the gateway did while seeding, so both are idle alike.
    if (stack.processes.has('gateway (compared)'))
      await (
        await fetch(`http://127.0.0.1:${stack.ports.compared}${r.path}`, {
          method: 'POST',
          headers: r.headers,
          body: r.body,
        })
      ).text();
  }
  const { captured } = await state();
  return {
    perCaller: perCaller.map((indexes) => indexes.map((k) => captured[k]!)),
    perQuery: { first: perCaller[0]?.length ?? 0, warm: perCaller.at(-1)?.length ?? 0 },
  };
}

/** The ports, signing key and callers every case is built from. */
interface CaseInputs {
  stack: Stack;
  callers: Callers;
  /** Per returning buyer, the subgraph requests its headline query made. */
  capture: Captured[][];
  opts: Options;
  /** This run's tag, which makes the mixed workload's writes unique. */
  run: string;
}

/** A persona's reads through the gateway. */
function personaCase({ stack, callers }: CaseInputs, name: PersonaName): Case {
  return {
    name: `persona:${name}`,
    label: PERSONA_LABELS[name],
    origin: stack.ports.gateway!,
    role: 'gateway',
    next: (i) => readOf(name, callers, i),
  };
}

/** Every persona at once, about one request in ten a write. */
function mixedCase({ stack, callers, run }: CaseInputs): Case {
  return {
    name: 'mixed',
    label: 'mixed: every persona, about 10 % writes',
    origin: stack.ports.gateway!,
    role: 'gateway',
    next: (i, n) => mixedRequest(callers, i, n, run),
  };
}

/** The returning and new buyers through the compared gateway, when one runs. */
function comparedCases({ stack, callers, opts }: CaseInputs): Case[] {
  if (!opts.compareFlags && !opts.compareFile) return [];
  const what = [opts.compareFile, opts.compareFlags?.join(' ')].filter(Boolean).join(', ');
  return (['returning', 'new'] as const).map((p) => ({
    name: `compared:${p}`,
    label: `${PERSONA_LABELS[p].split(',')[0]!.split(' (')[0]}, compared gateway${opts.compareOverStandin ? ' over stand-ins' : ''} (${what})`,
    origin: stack.ports.compared!,
    role: 'gateway (compared)',
    next: (i: number) => readOf(p, callers, i),
  }));
}

/** The bench query with one token on every connection. */
function oneCallerCase({ stack, callers }: CaseInputs): Case {
  const oneToken = callers.tokens.new[0]!;
  return {
    name: 'one-caller',
    label: 'bench query, one caller (in-flight deduplication shares work)',
    origin: stack.ports.gateway!,
    role: 'gateway',
    next: () => ({
      path: '/graphql',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${oneToken}` },
      body: JSON.stringify({ query: BENCH_QUERY }),
    }),
  };
}

/** One subgraph sent the headline's captured operations, each caller's own, signed as the gateway signs. */
function directCase({ stack, callers, capture }: CaseInputs, subgraph: SubgraphName): Case {
  const key = stack.config.gatewaySigningKeys[0]!;
  return {
    name: `direct:${subgraph}`,
    label: `${subgraph} directly, the headline's captured operations, each caller's own`,
    origin: stack.ports[subgraph]!,
    role: subgraph,
    next: (i, n) => {
      const mine = capture[i % capture.length]!.filter((c) => c.subgraph === subgraph);
      const c = mine[n % mine.length]!;
      const token = callers.tokens.returning[i % callers.tokens.returning.length]!;
      return { path: '/graphql', headers: { ...c.headers, authorization: `Bearer ${token}` }, body: c.body, sign: key };
    },
  };
}

/** The direct cases of the subgraphs every captured headline query reached. */
function directCases(inputs: CaseInputs): Case[] {
  const reached = (s: SubgraphName) => inputs.capture.every((mine) => mine.some((c) => c.subgraph === s));
  return SUBGRAPHS.filter(reached).map((subgraph) => directCase(inputs, subgraph));
}

/** Returning buyers through the gateway over stand-in subgraphs. */
function ceilingCase({ stack, callers }: CaseInputs): Case {
  return {
    name: 'ceiling',
    label: 'returning buyer, gateway over stand-in subgraphs (its own ceiling)',
    origin: stack.ports.ceiling!,
    role: 'ceiling',
    next: (i) => readOf('returning', callers, i),
  };
}

/** Every case in the order of the report, or those `--cases` names. */
function cases(inputs: CaseInputs): Case[] {
  const all: Case[] = [
    ...(['returning', 'new', 'anonymous', 'member', 'admin'] as const).map((p) => personaCase(inputs, p)),
    mixedCase(inputs),
    ...comparedCases(inputs),
    oneCallerCase(inputs),
    ...directCases(inputs),
    ceilingCase(inputs),
  ];
  const only = inputs.opts.onlyCases;
  return only ? all.filter((c) => only.has(c.name)) : all;
}

interface Summary {
  label: string;
  /** Requests sent in the measured rounds. */
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  firstError?: string;
  writes: number;
  userErrors: Record<string, number>;
  cpuMs: number;
}

/** Interleaved rounds after a one-second warm-up of every case; medians per case. */
async function measureCases(stack: Stack, list: Case[], opts: Options): Promise<Record<string, Summary>> {
  const once = (c: Case, ms: number) =>
    measure(`http://127.0.0.1:${c.origin}`, opts.connections, ms, c.next, () => stack.cpuMs(c.role));
  for (const c of list) await once(c, 1000); // plans cached, connections open, JIT warm
  const results = new Map<string, Measured[]>();
  for (let round = 0; round < opts.rounds; round++) {
    for (const c of list) results.set(c.name, [...(results.get(c.name) ?? []), await once(c, opts.seconds * 1000)]);
  }
  return Object.fromEntries(
    list.map((c) => {
      const rs = results.get(c.name)!;
      const userErrors: Record<string, number> = {};
      for (const r of rs)
        for (const [code, n] of Object.entries(r.userErrors)) userErrors[code] = (userErrors[code] ?? 0) + n;
      return [
        c.name,
        {
          label: c.label,
          requests: rs.reduce((n, r) => n + r.requests, 0),
          rps: Math.round(median(rs.map((r) => r.rps))),
          p50Ms: Math.round(median(rs.map((r) => r.p50))),
          p99Ms: Math.round(median(rs.map((r) => r.p99))),
          errors: rs.reduce((s, r) => s + r.errors, 0),
          firstError: rs.find((r) => r.firstError)?.firstError,
          writes: rs.reduce((s, r) => s + r.writes, 0),
          userErrors,
          cpuMs: median(rs.map((r) => r.cpuPerRequest)),
        },
      ];
    }),
  );
}

/** Idle RSS now, and the peak while `work` runs (sampled every 100 ms). */
async function withMemory<T>(
  stack: Stack,
  work: () => Promise<T>,
): Promise<{ result: T; idle: Record<string, number>; peak: Record<string, number> }> {
  const roles = [...stack.processes.keys()];
  const idle = Object.fromEntries(roles.map((r) => [r, stack.rssMb(r)]));
  const peak = { ...idle };
  const sampler = setInterval(() => {
    for (const r of roles) peak[r] = Math.max(peak[r]!, stack.rssMb(r));
  }, 100);
  try {
    return { result: await work(), idle, peak };
  } finally {
    clearInterval(sampler);
  }
}

/** Requests/s of the subgraphs in series: one headline query's time below the gateway, summed. */
function seriesRps(summary: Record<string, Summary>): number | undefined {
  const direct = Object.entries(summary).filter(([n]) => n.startsWith('direct:'));
  return direct.length ? 1 / direct.reduce((s, [, d]) => s + 1 / d.rps, 0) : undefined;
}

/** Idle and peak RSS of every process, in MB. */
interface Memory {
  idle: Record<string, number>;
  peak: Record<string, number>;
}

/** How the run was made, then each case's throughput, latency, errors and CPU per request. */
function printCases(summary: Record<string, Summary>, stack: Stack, opts: Options) {
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
  console.log(
    `\nbench: machine load average ${load} (at the end; the figures need a quiet machine), ${opts.connections} connections, ${opts.rounds} interleaved rounds of ${opts.seconds} s per case, ${stack.database}, local mode, demo data and seeded callers, ${opts.fromSource ? 'TypeScript sources' : 'built servers (dist/)'}${opts.nodeFlags.length ? `, node ${opts.nodeFlags.join(' ')}` : ''}\n`,
  );
  console.log('| case | req/s | p50 ms | p99 ms | errors | CPU ms / request |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const s of Object.values(summary))
    console.log(`| ${s.label} | ${s.rps} | ${s.p50Ms} | ${s.p99Ms} | ${s.errors} | ${s.cpuMs.toFixed(2)} |`);
  for (const [name, s] of Object.entries(summary))
    if (s.firstError) console.log(`first error of ${name}: ${s.firstError}`);
}

/** The mixed workload's requests, write share, error rate and user errors by code. */
function printMixed(mixed: Summary | undefined) {
  if (!mixed) return;
  const codes =
    Object.entries(mixed.userErrors)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ') || 'none';
  const requests = Math.max(1, mixed.requests);
  console.log(
    `\nmixed: ${mixed.requests} requests, ${mixed.writes} writes (${((100 * mixed.writes) / requests).toFixed(1)} %), errors ${mixed.errors} (${((100 * mixed.errors) / requests).toFixed(2)} %), expected user errors: ${codes}`,
  );
}

/** Subgraph requests of one headline query: the first caller's, and a later caller's. */
interface PerQuery {
  first: number;
  warm: number;
}

/** The headline's ratios to the ceiling and to the subgraphs in series, CPU per request and subgraph requests per query. */
function printRatios(summary: Record<string, Summary>, perQuery: PerQuery) {
  const headline = summary['persona:returning'];
  const series = seriesRps(summary);
  const ratios = [
    headline && summary.ceiling && `gateway ÷ ceiling ${(headline.rps / summary.ceiling.rps).toFixed(2)}`,
    headline &&
      series &&
      `gateway ÷ subgraphs in series ${(headline.rps / series).toFixed(2)} (subgraphs in series ${Math.round(series)} req/s)`,
    summary['one-caller'] &&
      summary['persona:new'] &&
      `one caller ÷ distinct ${(summary['one-caller'].rps / summary['persona:new'].rps).toFixed(2)}`,
  ].filter(Boolean);
  if (ratios.length) console.log(`\nratios (headline: returning buyers): ${ratios.join('; ')}`);
  if (summary['persona:new'])
    console.log(`gateway CPU per request, bench query (new buyers): ${summary['persona:new'].cpuMs.toFixed(2)} ms`);
  if (headline) console.log(`gateway CPU per request, headline (returning buyers): ${headline.cpuMs.toFixed(2)} ms`);
  console.log(
    `subgraph requests per headline query: ${perQuery.warm} (the first caller's: ${perQuery.first}; public fetches are then kept for every caller); SQL statements and upstream calls per query are asserted in the tests`,
  );
}

/** Idle and peak RSS of every process. */
function printMemory(memory: Memory, stack: Stack) {
  console.log('\n| process | idle RSS MB | peak RSS MB | peak ÷ idle |');
  console.log('| --- | --- | --- | --- |');
  for (const role of stack.processes.keys())
    console.log(
      `| ${role} | ${Math.round(memory.idle[role]!)} | ${Math.round(memory.peak[role]!)} | ${(memory.peak[role]! / memory.idle[role]!).toFixed(2)} |`,
    );
}

function report(summary: Record<string, Summary>, memory: Memory, perQuery: PerQuery, stack: Stack, opts: Options) {
  printCases(summary, stack, opts);
  printMixed(summary.mixed);
  printRatios(summary, perQuery);
  printMemory(memory, stack);
}

/** The targets missed, each in words. */
function misses(summary: Record<string, Summary>, memory: Memory): string[] {
  const t = TARGETS;
  const headline = summary['persona:returning'];
  const benchQuery = summary['persona:new'];
  const series = seriesRps(summary);
  const out: (string | false | undefined)[] = [
    benchQuery &&
      benchQuery.cpuMs > t.maxGatewayCpuMs &&
      `gateway CPU ${benchQuery.cpuMs.toFixed(2)} ms per bench query > ${t.maxGatewayCpuMs}`,
    headline &&
      !!series &&
      headline.rps / series < t.minGatewayToSeries &&
      `gateway ÷ subgraphs in series ${(headline.rps / series).toFixed(2)} < ${t.minGatewayToSeries}`,
    headline && headline.rps < t.minHeadlineRps && `returning buyers ${headline.rps} req/s < ${t.minHeadlineRps}`,
    headline &&
      headline.p99Ms > t.maxHeadlineP99Ms &&
      `returning buyers p99 ${headline.p99Ms} ms > ${t.maxHeadlineP99Ms}`,
    ...Object.entries(memory.idle).flatMap(([role, idle]) => {
      // The stand-in is the bench's own; a compared gateway is measured, not judged.
      if (role === 'standin' || role.startsWith('gateway (')) return [];
      const gatewayRole = role === 'gateway' || role === 'ceiling';
      const max = gatewayRole ? t.maxIdleRssGatewayMb : t.maxIdleRssSubgraphMb;
      return [
        idle > max && `idle RSS of ${role} ${Math.round(idle)} MB > ${max}`,
        memory.peak[role]! / idle > t.maxPeakToIdle &&
          `peak RSS of ${role} ${(memory.peak[role]! / idle).toFixed(2)}× idle > ${t.maxPeakToIdle}`,
      ];
    }),
    ...Object.entries(summary).map(([name, s]) => s.errors > 0 && `${name}: ${s.errors} answers with errors`),
  ];
  return out.filter((m): m is string => typeof m === 'string');
}

async function main() {
  const opts = options(process.argv);
  checkDocuments();
  if (!opts.fromSource && (await ensureServersBuilt())) console.log('built the servers (dist/)');
  const stack = await startStack(opts);
  try {
    const run = Date.now().toString(36);
    const callers = await seedCallers(
      `http://127.0.0.1:${stack.ports.gateway}/graphql`,
      stack.config,
      opts.connections,
      run,
    );
    const capture = await captureSubgraphOperations(stack, callers);
    const list = cases({ stack, callers, capture: capture.perCaller, opts, run });
    const { result: summary, idle, peak } = await withMemory(stack, () => measureCases(stack, list, opts));
    report(summary, { idle, peak }, capture.perQuery, stack, opts);
    const missed = misses(summary, { idle, peak });
    console.log(
      missed.length ? `\ntargets missed: ${missed.join('; ')}` : `\nall targets met (${JSON.stringify(TARGETS)})`,
    );
    return missed.length ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

process.exit(await main());
