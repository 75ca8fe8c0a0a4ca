// Contract fake of the whole CO2Trust API, written from ../shared/seeds/000_7aa04813252c030c.txt
// alone: core services (co2trust-core.ts), payment services (co2trust-payments.ts), the Puro
// integration (co2trust-puro.ts) and the system endpoints `GET /health` and `GET /` (lines
// 360-373), as one upstream on one loopback port (as the real API is one host).
import type { UserRecord } from '../subgraphs/marketplace/source.ts';
import { coreRoutes, coreState } from './co2trust-core.ts';
import { paymentsRoutes, paymentsState } from './co2trust-payments.ts';
import { puroRoutes, puroState } from './co2trust-puro.ts';
import { json, startFake, type FakeRequest, type FakeRoute, type RunningFake } from './harness.ts';

export const FAKE_CO2TRUST_SECRET = 'fake-co2trust-backend-secret';

export function co2trustState() {
  return { backendSecret: FAKE_CO2TRUST_SECRET, ...coreState(), ...paymentsState(), ...puroState() };
}
export type Co2TrustState = ReturnType<typeof co2trustState>;

export interface Co2TrustFake extends RunningFake {
  state: Co2TrustState;
}

/** Bearer tokens issued by the fake's /users/auth are `co2t_<user id>`. */
export async function startCo2TrustFake(): Promise<Co2TrustFake> {
  const state = co2trustState();
  const userOf = (req: FakeRequest): UserRecord | null => {
    const m = /^Bearer co2t_(.+)$/.exec(String(req.headers.authorization ?? ''));
    return m ? (state.users.find((u) => u.id === m[1]) ?? null) : null;
  };
  // GET /health (CO2Trust API document, "Health Check", line 364): "health status including database and RabbitMQ status".
  const health: FakeRoute = {
    method: 'GET',
    path: '/health',
    handler: () => json({ status: 'ok', database: 'ok', rabbitmq: 'ok' }),
  };
  // GET / (CO2Trust API document, "Root", line 371): "API information and documentation links".
  const root: FakeRoute = {
    method: 'GET',
    path: '/',
    handler: () => json({ name: 'CO2Trust API', docs: '/docs', health: '/health' }),
  };
  const fake = await startFake('co2trust', [
    health,
    root,
    ...coreRoutes(state, userOf),
    ...paymentsRoutes(state, userOf),
    ...puroRoutes(state, userOf),
  ]);
  return Object.assign(fake, { state });
}
