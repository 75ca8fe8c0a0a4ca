// Starts the whole stack in one test process: the four subgraphs as real HTTP servers on
// loopback ports, in local or upstream mode (upstream against the contract fakes), and the real
// gateway in front of them, wired by URL exactly as the processes are.
import { SUBGRAPHS, type StackConfig as Config, type SubgraphName } from '../../subgraphs/index.ts';
import { serveSubgraph, type RequestContext, type RunningSubgraph, type SubgraphApp } from '../../lib/subgraph.ts';
import { serveGateway, type RunningGateway } from '../../gateway/server.ts';
import { PortInUseError } from '../../lib/http-server.ts';
import { startCo2TrustFake, FAKE_CO2TRUST_SECRET } from '../../fakes/co2trust.ts';
import type { RunningFake } from '../../fakes/harness.ts';
import { LUNE_ACCOUNTS } from '../../fakes/lune.ts';
import { freshStorage, testConfig, type Mode } from './env.ts';
import { freePort } from './free-port.ts';

type Factory = (config: Config) => Promise<SubgraphApp<RequestContext>>;

const capitalised = (name: string) => name[0]!.toUpperCase() + name.slice(1);

export async function subgraphFactory(name: SubgraphName): Promise<Factory> {
  const mod = (await import(`../../subgraphs/${name}/server.ts`)) as Record<string, Factory>;
  return mod[`create${capitalised(name)}App`]!;
}

/** Upstream fakes, started only for the upstream mode. */
async function startFakes(): Promise<{ env: Record<string, string>; fakes: RunningFake[] }> {
  const fakes: RunningFake[] = [];
  const env: Record<string, string> = {};
  const co2trust = await startCo2TrustFake();
  fakes.push(co2trust);
  Object.assign(env, { CO2TRUST_BASE_URL: co2trust.url, CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET });
  const optional: [string, (f: RunningFake & { env?: Record<string, string> }) => Record<string, string>][] = [
    ['icr-demo', (f) => ({ ICR_BASE_URL: f.url, ...f.env })],
    [
      'carboncloud',
      (f) => ({
        CARBONCLOUD_BASE_URL: f.url,
        CARBONCLOUD_TOKEN_URL: `${f.url}/realms/prod/protocol/openid-connect/token`,
        ...f.env,
      }),
    ],
    // Lune's EUR client account, so quotes are priced in EUR as in local mode.
    [
      'lune',
      (f) => ({
        ...f.env,
        OFFSET_ORDERS_ACCOUNT_ID: LUNE_ACCOUNTS.liveEur.id,
        OFFSET_ORDERS_ACCOUNT_CURRENCY: LUNE_ACCOUNTS.liveEur.currency,
      }),
    ],
  ];
  for (const [file, envOf] of optional) {
    const mod = (await import(`../../fakes/${file}.ts`)) as Record<
      string,
      () => Promise<RunningFake & { env?: Record<string, string> }>
    >;
    const start = Object.entries(mod).find(([k]) => k.startsWith('start'))?.[1];
    if (!start) continue;
    const fake = await start();
    fakes.push(fake);
    Object.assign(env, envOf(fake));
  }
  return { env, fakes };
}

export interface Stack {
  gateway: RunningGateway;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  config: Config;
  fakes: RunningFake[];
  stopSubgraph(name: SubgraphName): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(mode: Mode, extraEnv: Record<string, string> = {}): Promise<Stack> {
  const storage = await freshStorage();
  const { env: fakeEnv, fakes } = mode === 'upstream' ? await startFakes() : { env: {}, fakes: [] };
  const modeEnv = Object.fromEntries(SUBGRAPHS.map((n) => [`${n.toUpperCase()}_SOURCE`, mode]));
  // Ports are chosen first so every process knows every URL, as with the fixed defaults. Another
  // suite running beside this one may take a port between its choice and its use: then the
  // subgraphs started so far stop and the stack starts again on new ports.
  let config!: Config;
  const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
  for (let attempt = 1; ; attempt++) {
    const ports = Object.fromEntries(
      await Promise.all(SUBGRAPHS.map(async (n) => [`${n.toUpperCase()}_PORT`, String(await freePort())])),
    );
    config = testConfig({ ...storage.env, ...fakeEnv, ...modeEnv, ...ports, ...extraEnv });
    let unserved: SubgraphApp<RequestContext> | undefined;
    try {
      for (const name of SUBGRAPHS) {
        unserved = await (await subgraphFactory(name))(config);
        subgraphs[name] = await serveSubgraph(unserved, config, config.portOf(name));
        unserved = undefined;
      }
      break;
    } catch (error) {
      await unserved?.close();
      for (const running of Object.values(subgraphs)) await running.stop();
      for (const name of SUBGRAPHS) delete subgraphs[name];
      if (!(error instanceof PortInUseError) || attempt === 3) throw error;
    }
  }
  const gateway = await serveGateway(config, 0);
  const stopped = new Set<SubgraphName>();
  return {
    gateway,
    subgraphs,
    config,
    fakes,
    async stopSubgraph(name) {
      stopped.add(name);
      await subgraphs[name].stop();
    },
    async stop() {
      await gateway.stop();
      for (const name of SUBGRAPHS) if (!stopped.has(name)) await subgraphs[name].stop();
      for (const f of fakes) await f.stop();
      await storage.drop();
    },
  };
}

/** Counts the requests each subgraph of a stack receives from now on. */
export function countSubgraphRequests(stack: Stack): Record<SubgraphName, number> {
  const counts = {} as Record<SubgraphName, number>;
  for (const [name, running] of Object.entries(stack.subgraphs) as [SubgraphName, Stack['subgraphs'][SubgraphName]][]) {
    counts[name] = 0;
    running.server.on('request', () => counts[name]++);
  }
  return counts;
}
