// Starts the whole stack: the four subgraphs and the gateway, each its own process, supervised: a
// process that exits is restarted with exponential backoff, and one Ctrl-C (or SIGTERM) stops
// all of them. A process that can never start (a taken port, a bad setting) stops the stack with
// its message. The embedded default is SQLite under DATA_DIR with the demo data seeded on first
// start; set DATABASE_URL for PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SUBGRAPHS } from '../lib/config.ts';
import { EXIT_CANNOT_START, loadConfigOrExit, portVariable, restartDelay } from '../lib/process.ts';
import { ROOT } from '../lib/paths.ts';
import { appIsStale, buildApp } from './build-app.ts';
import { SERVER_ENV, SERVER_NODE_FLAGS, ensureServersBuilt, serverFile } from './build.ts';
import { storageLine } from './storage.ts';

// Loaded once here first so generated secrets are written before the processes read them.
const config = await loadConfigOrExit();

interface Supervised {
  name: string;
  file: string;
  child?: ChildProcess;
  startedAt: number;
  /** Restarts in a row without a long enough run in between. */
  restarts: number;
  pending?: NodeJS.Timeout;
}

const processes = new Map<string, Supervised>();
let stopping = false;

function prefix(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) out.write(`${name.padEnd(11)} | ${line}\n`);
  });
}

function launch(p: Supervised) {
  // The image's scripts/role starts them the same way (docs/benchmark.md).
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, join(ROOT, p.file)], {
    env: { ...SERVER_ENV, ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.child = child;
  p.startedAt = Date.now();
  prefix(p.name, child.stdout!, process.stdout);
  prefix(p.name, child.stderr!, process.stderr);
  child.on('exit', (code, signal) => {
    p.child = undefined;
    if (stopping) return;
    const how = signal ?? `exit code ${code}`;
    if (code === EXIT_CANNOT_START) {
      console.error(`${p.name} cannot start (${how}); stopping the stack`);
      void stopAll(1);
      return;
    }
    // A process that ran longer than the longest delay was healthy: its next crash starts the backoff again.
    if (Date.now() - p.startedAt >= config.RESTART_MAX_DELAY_MS) p.restarts = 0;
    p.restarts++;
    const delay = restartDelay(p.restarts, config.RESTART_DELAY_MS, config.RESTART_MAX_DELAY_MS);
    console.error(`${p.name} stopped (${how}); restart ${p.restarts} in ${(delay / 1000).toFixed(1)} s`);
    p.pending = setTimeout(() => {
      p.pending = undefined;
      if (!stopping) launch(p);
    }, delay);
  });
}

function start(name: string, file: string) {
  const p: Supervised = { name, file, startedAt: Date.now(), restarts: 0 };
  processes.set(name, p);
  launch(p);
}

/** Sends SIGTERM to the named processes and waits for them to exit; SIGKILL after the stop bound. */
async function terminate(names: string[]) {
  const running = names
    .map((n) => processes.get(n))
    .filter((p): p is Supervised & { child: ChildProcess } => Boolean(p?.child));
  const exits = running.map(
    (p) =>
      new Promise<void>((resolve) => {
        p.child.once('exit', () => resolve());
        p.child.kill('SIGTERM');
      }),
  );
  const timer = setTimeout(() => {
    for (const p of running) p.child.kill('SIGKILL');
  }, config.SHUTDOWN_TIMEOUT_MS + 5_000);
  await Promise.all(exits);
  clearTimeout(timer);
}

/** The gateway first, so the requests it has accepted can still reach the subgraphs; then the subgraphs. */
async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  for (const p of processes.values()) clearTimeout(p.pending);
  await terminate(['gateway']);
  await terminate([...SUBGRAPHS]);
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, config.HOST, () => server.close(() => resolve(true)));
  });
}

async function waitForHealth(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

// A port held by another program (often a stack already running) would otherwise answer the
// health checks below in place of ours.
for (const port of [config.GATEWAY_PORT, ...SUBGRAPHS.map((n) => config.portOf(n))]) {
  if (port !== 0 && !(await portIsFree(port))) {
    console.error(
      `port ${port} on ${config.HOST} is already in use (set by ${portVariable(config, port)}); stop the other process or choose another port`,
    );
    process.exit(1);
  }
}

// The offset page (/app) is built from app/ on first start and again whenever its sources change,
// while the processes start (the gateway reads app/dist per request).
async function buildOffsetPage(): Promise<void> {
  if (!appIsStale()) return;
  console.log('Building the offset page (app/dist)');
  await buildApp().catch(() =>
    console.error('The offset page could not be built; /app answers 404 until `npm run build:app` succeeds'),
  );
}
const appBuilt = buildOffsetPage();

// The servers run from their build in dist/, made again whenever a source changed (a few seconds).
if (await ensureServersBuilt()) console.log('Built the servers (dist/)');

const modes = SUBGRAPHS.map((n) => `${n} ${config.sourceOf(n)}`).join(', ');
console.log(`Starting the carbon federation stack (${modes})`);
for (const name of SUBGRAPHS) start(name, serverFile(name));
const healthOf = (name: (typeof SUBGRAPHS)[number]) => config.urlOf(name).replace(/\/graphql$/, '/health');
const ready = await Promise.all(SUBGRAPHS.map((name) => waitForHealth(healthOf(name), 60_000)));
if (stopping) await new Promise(() => {});
// What is really stored where: each subgraph's /health names the database it opened, if any (in
// upstream mode some keep the layer's own records, e.g. write journals; others keep nothing).
const reports = await Promise.all(
  SUBGRAPHS.map((name) =>
    fetch(healthOf(name), { signal: AbortSignal.timeout(2000) })
      .then((res) => res.json() as Promise<{ database?: unknown }>)
      .catch(() => null),
  ),
);
console.log(
  storageLine(
    config,
    SUBGRAPHS,
    SUBGRAPHS.filter((name, i) => (reports[i] ? Boolean(reports[i].database) : config.sourceOf(name) === 'local')),
  ),
);
if (!ready.every(Boolean))
  console.error('Some subgraphs are not healthy yet; the gateway starts anyway and /health says which');
start('gateway', serverFile('gateway'));
const gatewayUp = await waitForHealth(`http://${config.HOST}:${config.GATEWAY_PORT}/health`, 30_000);
await appBuilt;
if (gatewayUp && !stopping) {
  const base = `http://localhost:${config.GATEWAY_PORT}`;
  console.log(`
  GraphQL API     ${base}/graphql   (open it in a browser for the query editor)
  Offset page     ${base}/app/      (sign in as a demo user and offset a product's footprint)
  Health          ${base}/health
  API information ${base}/
  Sign-in secret  the X-Backend-Secret-Key for authenticate is "backendSecretKey" in ${join(config.dataDir, 'secrets.json')}
  Stop            Ctrl-C
`);
}
