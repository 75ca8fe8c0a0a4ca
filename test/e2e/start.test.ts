// The start command as a user runs it: five processes, healthy within 60 s, data from all four
// subgraphs through the gateway, and one SIGTERM (what Ctrl-C sends the group) stops them all.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { SUBGRAPHS, type SubgraphName } from '../../subgraphs/index.ts';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { storageLine } from '../../scripts/storage.ts';
import { EveryDomainDocument, SignInDocument } from '../__generated__/operations.ts';
import { graphql, ok } from '../support/graphql.ts';
import { freePort } from '../support/free-port.ts';

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function waitForHealth(url: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      if ((await fetch(url)).status === 200) return Date.now() - started;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not healthy within ${timeoutMs} ms`);
}

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'carbon-start-'));
  let child: ChildProcess | undefined;
  let output = '';

  afterAll(() => {
    // The stack runs in its own process group: a failed test must not leave its subgraphs behind.
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the stack, answers across subgraphs, keeps secrets out of the output, and stops on SIGTERM', async () => {
    const ports = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const [gatewayPort] = ports;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      GATEWAY_PORT: String(ports[0]),
      MARKETPLACE_PORT: String(ports[1]),
      PAYMENTS_PORT: String(ports[2]),
      REGISTRY_PORT: String(ports[3]),
      FOOTPRINTS_PORT: String(ports[4]),
      LOG_LEVEL: 'info',
    };
    for (const k of ['NODE_ENV', 'DATABASE_URL', 'JWT_SECRET', 'BACKEND_SECRET_KEY', 'SERVICE_TOKEN']) delete env[k];
    child = spawn(process.execPath, [join(ROOT, 'scripts/start.ts')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));

    await waitForHealth(`http://127.0.0.1:${gatewayPort}/health`, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; the stack printed:\n${output.slice(-3000)}`);
    });
    const url = `http://127.0.0.1:${gatewayPort}/graphql`;
    const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as {
      backendSecretKey: string;
      jwtSecret: string;
    };
    const login = ok(
      await graphql(
        url,
        SignInDocument,
        { email: DEMO.users.bob.email },
        { headers: { 'x-backend-secret-key': secrets.backendSecretKey } },
      ),
    );
    const data = ok(await graphql(url, EveryDomainDocument, {}, { token: login.authenticate.accessToken! }));
    expect(data.products.totalCount).toBeGreaterThan(0);
    expect(data.paymentStats).toEqual({ __typename: 'PaymentStats' });
    expect(data.groups?.length).toBeGreaterThan(0);

    // The banner says where the data is, as the subgraphs report it.
    expect(output).toContain(
      `Storage: SQLite files in ${dataDir} (marketplace.sqlite, payments.sqlite, registry.sqlite, footprints.sqlite): every subgraph's data\n`,
    );
    expect(output).not.toContain(secrets.backendSecretKey);
    expect(output).not.toContain(secrets.jwtSecret);
    expect(output).not.toContain(login.authenticate.accessToken);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const port of ports) expect(await portIsFree(port)).toBe(true);
  }, 90_000);
});

describe("the start banner's storage line", () => {
  const config = (sources: Partial<Record<SubgraphName, 'local' | 'upstream'>>, DATABASE_URL?: string) => ({
    DATABASE_URL,
    dataDir: '/srv/carbon/data',
    sourceOf: (n: SubgraphName) => sources[n] ?? 'local',
  });
  const upstream = {
    marketplace: 'upstream',
    payments: 'upstream',
    registry: 'upstream',
    footprints: 'upstream',
  } as const;

  it('names the SQLite files of every subgraph in local mode', () => {
    expect(storageLine(config({}), SUBGRAPHS, SUBGRAPHS)).toBe(
      "Storage: SQLite files in /srv/carbon/data (marketplace.sqlite, payments.sqlite, registry.sqlite, footprints.sqlite): every subgraph's data",
    );
  });

  it("says that upstream subgraphs keep only the layer's own records, and which keep nothing", () => {
    expect(storageLine(config(upstream), SUBGRAPHS, ['marketplace', 'payments', 'registry'])).toBe(
      "Storage: SQLite files in /srv/carbon/data (marketplace.sqlite, payments.sqlite, registry.sqlite): only the layer's own records (write journals, memberships) of marketplace, payments and registry; footprints keeps nothing (the upstream API holds it all)",
    );
    expect(
      storageLine(
        config({ ...upstream, marketplace: 'local' }, 'postgresql://carbon:secret@db.internal:5432/carbon'),
        SUBGRAPHS,
        ['marketplace', 'registry'],
      ),
    ).toBe(
      "Storage: PostgreSQL at db.internal:5432/carbon (schemas marketplace, registry): the data of marketplace; only the layer's own records (write journals, memberships) of registry; payments and footprints keep nothing (the upstream API holds it all)",
    );
    expect(storageLine(config(upstream), SUBGRAPHS, [])).toBe(
      'Storage: none (every subgraph reads and writes its upstream API)',
    );
  });
});
