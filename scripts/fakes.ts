// Serves the contract fakes of the upstream APIs (fakes/) on the default upstream URLs of the
// configuration (CO2TRUST_BASE_URL, ICR_BASE_URL, CARBONCLOUD_BASE_URL, OFFSET_ORDERS_BASE_URL),
// so `<SUBGRAPH>_SOURCE=upstream npm start` works on a fresh clone, and prints the demo users and
// credentials they accept. Each fake runs on a port the OS picks; a TCP forwarder listens on the
// configured port. Ctrl-C stops everything.
import { createConnection, createServer, type Server } from 'node:net';
import { loadConfigOrExit } from '../lib/process.ts';
import { loadStackConfig } from '../subgraphs/index.ts';
import { DEMO } from '../demo/data.ts';
import { FAKE_CO2TRUST_SECRET, startCo2TrustFake } from '../fakes/co2trust.ts';
import { LUNE_ACCOUNTS } from '../fakes/lune.ts';
import type { RunningFake } from '../fakes/harness.ts';

type Fake = RunningFake & { env?: Record<string, string> };

const config = await loadConfigOrExit(() => loadStackConfig());

/** The fakes the test stack runs (test/support/stack.ts), each with the variable of its base URL. */
const FAKES: { file: string; baseUrl: string }[] = [
  { file: 'icr-demo', baseUrl: config.ICR_BASE_URL },
  { file: 'carboncloud', baseUrl: config.CARBONCLOUD_BASE_URL },
  { file: 'lune', baseUrl: config.OFFSET_ORDERS_BASE_URL },
];

/** Forwards every connection on `host:port` to the fake. */
async function forward(baseUrl: string, fake: RunningFake): Promise<Server> {
  const from = new URL(baseUrl);
  const to = new URL(fake.url);
  const server = createServer((socket) => {
    const upstream = createConnection(Number(to.port), to.hostname);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(from.port || 80), from.hostname, resolve);
  });
  return server;
}

const started: { name: string; url: string; fake: Fake; server: Server }[] = [];
try {
  const co2trust = await startCo2TrustFake();
  started.push({
    name: 'co2trust',
    url: config.CO2TRUST_BASE_URL,
    fake: co2trust,
    server: await forward(config.CO2TRUST_BASE_URL, co2trust),
  });
  for (const { file, baseUrl } of FAKES) {
    const mod = (await import(`../fakes/${file}.ts`)) as Record<string, () => Promise<Fake>>;
    const start = Object.entries(mod).find(([k]) => k.startsWith('start'))?.[1];
    if (!start) continue;
    const fake = await start();
    started.push({ name: file, url: baseUrl, fake, server: await forward(baseUrl, fake) });
  }
} catch (error) {
  console.error(
    `Cannot start the fakes: ${error instanceof Error ? error.message : String(error)} (is a port of .env.example taken?)`,
  );
  await Promise.all(started.map(async (s) => Promise.all([s.fake.stop(), new Promise((r) => s.server.close(r))])));
  process.exit(1);
}

// Credentials only: the base URLs are the configured defaults the forwarders listen on.
// Lune's EUR account, so offset quotes are priced in EUR as in local mode.
const credentials: Record<string, string> = {
  CO2TRUST_BACKEND_SECRET_KEY: FAKE_CO2TRUST_SECRET,
  OFFSET_ORDERS_ACCOUNT_ID: LUNE_ACCOUNTS.liveEur.id,
  OFFSET_ORDERS_ACCOUNT_CURRENCY: LUNE_ACCOUNTS.liveEur.currency,
};
for (const { fake } of started) {
  for (const [k, v] of Object.entries(fake.env ?? {})) if (!k.endsWith('_URL')) credentials[k] = v;
}
const lines = [
  'Contract fakes of the upstream APIs (test data only, nothing real):',
  ...started.map((s) => `  ${s.name.padEnd(14)} ${s.url}`),
  '',
  'Start the stack against them in another terminal:',
  '',
  `  export ${Object.entries(credentials)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`,
  '  MARKETPLACE_SOURCE=upstream PAYMENTS_SOURCE=upstream REGISTRY_SOURCE=upstream FOOTPRINTS_SOURCE=upstream npm start',
  '',
  `Demo users the CO2Trust fake knows (sign in with authenticate): ${Object.values(DEMO.users)
    .map((u) => u.email)
    .join(', ')}.`,
  'Ctrl-C stops the fakes.',
];
console.log(lines.join('\n'));

const stop = async () => {
  await Promise.all(started.map(async (s) => Promise.all([s.fake.stop(), new Promise((r) => s.server.close(r))])));
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
