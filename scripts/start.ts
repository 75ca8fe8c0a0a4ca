// Starts the whole stack: the four subgraphs and the gateway, each its own process, with one
// Ctrl-C (or SIGTERM) stopping all of them. The embedded default is SQLite under DATA_DIR with the
// demo data seeded on first start; set DATABASE_URL for PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SUBGRAPHS } from '../lib/config.ts';
import { describeDatabaseUrl } from '../lib/db.ts';
import { loadConfigOrExit } from '../lib/process.ts';
import { ROOT } from '../lib/subgraph.ts';

// Loaded once here first so generated secrets are written before the processes read them.
const config = await loadConfigOrExit();

const children = new Map<string, ChildProcess>();
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

function launch(name: string, file: string): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, file)], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  prefix(name, child.stdout!, process.stdout);
  prefix(name, child.stderr!, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`${name} stopped (${signal ?? `exit code ${code}`}); stopping the stack`);
      void stopAll(1);
    }
  });
  children.set(name, child);
  return child;
}

async function stopAll(code: number) {
  stopping = true;
  const exits = [...children.values()].map((c) => new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  }));
  const timer = setTimeout(() => {
    for (const c of children.values()) c.kill('SIGKILL');
  }, 5000);
  await Promise.all(exits);
  clearTimeout(timer);
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

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

const storage = config.DATABASE_URL ? `PostgreSQL at ${describeDatabaseUrl(config.DATABASE_URL)}` : `SQLite files in ${config.dataDir}`;
console.log(`Starting the carbon federation stack (${storage})`);
for (const name of SUBGRAPHS) launch(name, `subgraphs/${name}/server.ts`);
const ready = await Promise.all(SUBGRAPHS.map((name) => waitForHealth(config.urlOf(name).replace(/\/graphql$/, '/health'), 60_000)));
if (stopping) process.exit(1);
if (!ready.every(Boolean)) console.error('Some subgraphs are not healthy yet; the gateway starts anyway and /health says which');
launch('gateway', 'gateway/server.ts');
if (await waitForHealth(`http://${config.HOST}:${config.GATEWAY_PORT}/health`, 30_000)) {
  const base = `http://localhost:${config.GATEWAY_PORT}`;
  console.log(`
  GraphQL API     ${base}/graphql   (open it in a browser for the query editor)
  Health          ${base}/health
  API information ${base}/
  Sign-in secret  the X-Backend-Secret-Key for authenticate is "backendSecretKey" in ${join(config.dataDir, 'secrets.json')}
  Stop            Ctrl-C
`);
}
