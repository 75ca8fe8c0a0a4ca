// `npm start` as a supervisor: a crashed process comes back, a taken port is one line and a
// non-zero exit, and a stop lets every accepted request finish.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { CreateOrderDocument, PaymentStatsTypenameDocument, SignInDocument } from '../__generated__/operations.ts';
import { graphql, ok } from '../support/graphql.ts';
import { freePort } from '../support/free-port.ts';

const PORT_VARIABLES = [
  'GATEWAY_PORT',
  'MARKETPLACE_PORT',
  'PAYMENTS_PORT',
  'REGISTRY_PORT',
  'FOOTPRINTS_PORT',
] as const;

interface Started {
  child: ChildProcess;
  ports: Record<(typeof PORT_VARIABLES)[number], number>;
  dataDir: string;
  output: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const started: Started[] = [];
const dirs: string[] = [];

async function stackEnv(extra: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'carbon-supervision-'));
  dirs.push(dataDir);
  const ports = Object.fromEntries(
    await Promise.all(PORT_VARIABLES.map(async (v) => [v, await freePort()])),
  ) as Started['ports'];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    ...extra,
  };
  for (const k of ['NODE_ENV', 'DATABASE_URL', 'JWT_SECRET', 'BACKEND_SECRET_KEY', 'SERVICE_TOKEN']) delete env[k];
  return { env, ports, dataDir };
}

function run(file: string, env: NodeJS.ProcessEnv, ports: Started['ports'], dataDir: string): Started {
  // Its own process group, so a failed test can kill the stack and every process of it.
  const child = spawn(process.execPath, [join(ROOT, file)], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => {
    output += String(d);
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const s = { child, ports, dataDir, output: () => output, stderr: () => stderr, exited };
  started.push(s);
  return s;
}

async function health(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, s?: Started) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not within ${timeoutMs} ms${s ? `; the stack printed:\n${s.output().slice(-3000)}` : ''}`);
}

/** The pid of a process the stack started, found by its script among the stack's children. */
function childPid(parent: number, script: string): number {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' })
    .trim()
    .split('\n');
  const line = lines.find((l) => l.includes(script));
  if (!line) throw new Error(`no ${script} under ${parent}: ${lines.join('; ')}`);
  return Number(line.trim().split(/\s+/)[0]);
}

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

afterAll(() => {
  for (const s of started.splice(0)) {
    if (s.child.pid && s.child.exitCode === null && s.child.signalCode === null) {
      try {
        process.kill(-s.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Five processes starting at once on a busy 2-core machine can take a while. */
const STARTUP_MS = 150_000;

describe('npm start supervision', () => {
  let s: Started;
  beforeAll(async () => {
    const { env, ports, dataDir } = await stackEnv({ RESTART_DELAY_MS: '300' });
    s = run('scripts/start.ts', env, ports, dataDir);
    await until('gateway healthy', async () => (await health(ports.GATEWAY_PORT)) === 200, STARTUP_MS, s);
  }, STARTUP_MS + 10_000);

  it(
    'restarts a subgraph killed with SIGKILL, with one line on stderr, until the gateway is healthy again',
    async () => {
      const { ports } = s;

      const payments = childPid(s.child.pid!, 'dist/payments.js');
      process.kill(payments, 'SIGKILL');
      await until('gateway reports payments down', async () => (await health(ports.GATEWAY_PORT)) === 503, 10_000, s);
      await until('gateway healthy again', async () => (await health(ports.GATEWAY_PORT)) === 200, STARTUP_MS / 2, s);

      expect(childPid(s.child.pid!, 'dist/payments.js')).not.toBe(payments);
      expect(s.stderr()).toContain('payments stopped (SIGKILL); restart 1 in 0.3 s');
      const data = ok(await graphql(`http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`, PaymentStatsTypenameDocument));
      expect(data.paymentStats.__typename).toBe('PaymentStats');

      // The gateway too.
      const gateway = childPid(s.child.pid!, 'dist/gateway.js');
      process.kill(gateway, 'SIGKILL');
      await until('gateway back', async () => (await health(ports.GATEWAY_PORT)) === 200, STARTUP_MS / 2, s);
      expect(s.stderr()).toContain('gateway stopped (SIGKILL); restart 1 in 0.3 s');
    },
    STARTUP_MS,
  );

  it(
    'answers every mutation it accepted when stopped in the middle of a stream of them',
    async () => {
      const { ports, dataDir } = s;
      await until('gateway healthy', async () => (await health(ports.GATEWAY_PORT)) === 200, STARTUP_MS, s);
      const url = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
      const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { backendSecretKey: string };
      const login = ok(
        await graphql(
          url,
          SignInDocument,
          { email: DEMO.users.bob.email },
          { headers: { 'x-backend-secret-key': secrets.backendSecretKey } },
        ),
      );
      const ordersOfBob = () => {
        const db = new DatabaseSync(join(dataDir, 'marketplace.sqlite'), { readOnly: true });
        const { n } = db.prepare('select count(*) as n from orders where buyer_id = ?').get(DEMO.users.bob.id) as {
          n: number;
        };
        db.close();
        return n;
      };
      const before = ordersOfBob();

      let succeeded = 0;
      const failedWithResponse: unknown[] = [];
      let stop = false;
      const worker = async () => {
        while (!stop) {
          try {
            const res = await graphql(
              url,
              CreateOrderDocument,
              { input: { productId: DEMO.products[0], quantity: '0.001', idempotencyKey: randomUUID() } },
              { token: login.authenticate.accessToken! },
            );
            if (res.data?.createOrder?.order) succeeded++;
            else failedWithResponse.push({ status: res.status, errors: res.errors, data: res.data });
          } catch {
            // Refused or closed before the gateway accepted it: nothing may have been written.
            return;
          }
        }
      };
      const workers = Array.from({ length: 8 }, () => worker());
      await until('a stream of orders', async () => succeeded >= 30, 60_000, s);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      stop = true;
      await Promise.all(workers);

      expect(failedWithResponse).toEqual([]);
      expect(ordersOfBob() - before).toBe(succeeded);
    },
    STARTUP_MS,
  );
});

describe('a taken port', () => {
  it(
    'stops npm start with one line naming the port and its variable, and a non-zero exit',
    async () => {
      const { env, ports, dataDir } = await stackEnv();
      const blocker = await occupy(ports.REGISTRY_PORT);
      try {
        const s = run('scripts/start.ts', env, ports, dataDir);
        expect(await s.exited).not.toBe(0);
        expect(s.stderr().trim().split('\n')).toEqual([
          `port ${ports.REGISTRY_PORT} on 127.0.0.1 is already in use (set by REGISTRY_PORT); stop the other process or choose another port`,
        ]);
      } finally {
        blocker.close();
      }
    },
    STARTUP_MS,
  );

  it(
    'stops npm start when a process finds its port taken later, instead of restarting it',
    async () => {
      const { env, ports, dataDir } = await stackEnv();
      const s = run('scripts/start.ts', env, ports, dataDir);
      // The ports were free when it checked them; the gateway starts only once the subgraphs are up.
      await until(
        'the stack starting',
        async () => s.output().includes('Starting the carbon federation stack'),
        60_000,
        s,
      );
      const blocker = await occupy(ports.GATEWAY_PORT);
      try {
        expect(await s.exited).toBe(1);
        const lines = s.stderr().trim().split('\n');
        expect(lines).toContain(
          `gateway     | port ${ports.GATEWAY_PORT} on 127.0.0.1 is already in use (set by GATEWAY_PORT); stop the other process or choose another port`,
        );
        expect(lines.at(-1)).toBe('gateway cannot start (exit code 78); stopping the stack');
        expect(s.stderr()).not.toContain('restart');
      } finally {
        blocker.close();
      }
    },
    STARTUP_MS,
  );

  it.each([
    ['subgraphs/payments/server.ts', 'PAYMENTS_PORT'],
    ['gateway/server.ts', 'GATEWAY_PORT'],
  ] as const)(
    'ends %s with one line naming %s and exit code 78 (not restarted)',
    async (file, variable) => {
      const { env, ports, dataDir } = await stackEnv({ LOG_LEVEL: 'info' });
      const blocker = await occupy(ports[variable]);
      try {
        const s = run(file, env, ports, dataDir);
        expect(await s.exited).toBe(78);
        expect(s.stderr().trim().split('\n')).toEqual([
          `port ${ports[variable]} on 127.0.0.1 is already in use (set by ${variable}); stop the other process or choose another port`,
        ]);
        expect(s.output()).not.toMatch(/ready at/);
      } finally {
        blocker.close();
      }
    },
    STARTUP_MS,
  );
});
