// The processes the benchmark measures: the four subgraphs and the gateway as `npm start` runs them
// (their build in dist/, or the TypeScript sources), a stand-in for the subgraphs and a second
// gateway over it (the ceiling), on free ports, with storage of their own (a temp folder, or a
// fresh PostgreSQL database when DATABASE_URL is set). CPU time and RSS are read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { SUBGRAPHS, type StackConfig as Config, type SubgraphName } from '../subgraphs/index.ts';
import { ROOT } from '../lib/paths.ts';
import { SERVER_ENV, serverFile } from '../scripts/build.ts';
import { freePort } from '../test/support/free-port.ts';

export interface StackOptions {
  nodeFlags: string[];
  fromSource: boolean;
  /** Roles whose V8 CPU profile is written into bench/profiles/. */
  profiled: Set<string>;
  /** Flags of a second gateway over the same subgraphs (an A/B of the gateway), if any. */
  compareFlags?: string[];
  /** The file the second gateway runs instead of this one (e.g. another commit's dist/gateway.js). */
  compareFile?: string;
  /** The second gateway runs over the stand-in (a ceiling of its own) instead of the subgraphs. */
  compareOverStandin?: boolean;
}

export interface Stack {
  ports: Record<string, number>;
  config: Config;
  processes: Map<string, ChildProcess>;
  database: 'SQLite' | 'PostgreSQL';
  /** CPU time (user + system, ms) a role's process has used. */
  cpuMs(role: string): number;
  /** Resident set size (MB) of a role's process now. */
  rssMb(role: string): number;
  stop(): Promise<void>;
}

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

/** A database of its own on the server of DATABASE_URL, and how to drop it. */
async function ownDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `carbon_bench_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(sql);
    await admin.end();
  };
  await run(`create database ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  return { url: own.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

const CLOCK_TICKS = 100;
const cpuOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
};
const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

export async function startStack(opts: StackOptions): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'carbon-bench-'));
  const database = process.env.DATABASE_URL ? await ownDatabase(process.env.DATABASE_URL) : undefined;
  const ports: Record<string, number> = {
    gateway: await freePort(),
    compared: await freePort(),
    ceiling: await freePort(),
    standin: await freePort(),
  };
  for (const name of SUBGRAPHS) ports[name] = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...SERVER_ENV,
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: database?.url,
    LOG_LEVEL: 'warn',
    GATEWAY_PORT: String(ports.gateway),
    ...Object.fromEntries(SUBGRAPHS.map((n) => [`${n.toUpperCase()}_PORT`, String(ports[n])])),
  };
  if (!database) delete env.DATABASE_URL;
  // The loader writes secrets.json once before the processes start (as npm start does).
  const { loadStackConfig } = await import('../subgraphs/index.ts');
  const config = loadStackConfig(env);
  const key = config.gatewaySigningKeys[0]!;

  const processes = new Map<string, ChildProcess>();
  const entry = (name: SubgraphName | 'gateway') =>
    opts.fromSource ? (name === 'gateway' ? 'gateway/server.ts' : `subgraphs/${name}/server.ts`) : serverFile(name);
  const start = (
    role: string,
    file: string,
    args: string[] = [],
    extraEnv: NodeJS.ProcessEnv = {},
    flags = opts.nodeFlags,
  ) => {
    const profile = opts.profiled.has(role)
      ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'profiles'), '--cpu-prof-name', `${role}.cpuprofile`]
      : [];
    processes.set(
      role,
      spawn(process.execPath, [...flags, ...profile, resolve(ROOT, file), ...args], {
        env: { ...env, ...extraEnv },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const exits = [...processes.values()]
      .filter((c) => c.exitCode === null)
      .map((c) => new Promise((resolve) => c.once('exit', resolve)));
    for (const c of processes.values()) c.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 10_000))]);
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  };
  try {
    const subgraphUrl = (name: SubgraphName) => `http://127.0.0.1:${ports[name]}/graphql`;
    for (const name of SUBGRAPHS) start(name, entry(name));
    await Promise.all(SUBGRAPHS.map((n) => waitFor(`http://127.0.0.1:${ports[n]}/health`)));
    start('standin', 'bench/standin.ts', [String(ports.standin), ...SUBGRAPHS.map((n) => `${n}=${subgraphUrl(n)}`)], {
      BENCH_SIGNING_KEY: `${key.id}:${key.secret}`,
    });
    start('gateway', entry('gateway'));
    start('ceiling', entry('gateway'), [], {
      GATEWAY_PORT: String(ports.ceiling),
      ...Object.fromEntries(SUBGRAPHS.map((n) => [`${n.toUpperCase()}_URL`, `http://127.0.0.1:${ports.standin}/${n}`])),
    });
    const compared = opts.compareFlags ?? opts.compareFile;
    const overStandin = opts.compareOverStandin
      ? Object.fromEntries(SUBGRAPHS.map((n) => [`${n.toUpperCase()}_URL`, `http://127.0.0.1:${ports.standin}/${n}`]))
      : {};
    if (compared)
      start(
        'gateway (compared)',
        opts.compareFile ?? entry('gateway'),
        [],
        { GATEWAY_PORT: String(ports.compared), ...overStandin },
        opts.compareFlags ?? opts.nodeFlags,
      );
    await Promise.all([
      waitFor(`http://127.0.0.1:${ports.gateway}/health`),
      waitFor(`http://127.0.0.1:${ports.ceiling}/`),
      ...(compared ? [waitFor(`http://127.0.0.1:${ports.compared}/`)] : []),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  const pidOf = (role: string) => processes.get(role)!.pid!;
  return {
    ports,
    config,
    processes,
    database: database ? 'PostgreSQL' : 'SQLite',
    cpuMs: (role) => cpuOf(pidOf(role)),
    rssMb: (role) => rssOf(pidOf(role)),
    stop,
  };
}
