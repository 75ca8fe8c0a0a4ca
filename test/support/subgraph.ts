// Starts one real subgraph HTTP server on a loopback port for a test suite, in either mode.
import type { StackConfig as Config, SubgraphName } from '../../subgraphs/index.ts';
import { serveSubgraph, type RequestContext, type RunningSubgraph, type SubgraphApp } from '../../lib/subgraph.ts';
import { freshStorage, testConfig, type Mode } from './env.ts';

export interface TestSubgraph extends RunningSubgraph {
  config: Config;
  /** The app served, e.g. to count its SQL statements (`app.database.queries`). */
  app: SubgraphApp<RequestContext>;
}

export async function startTestSubgraph<C extends RequestContext>(
  name: SubgraphName,
  mode: Mode,
  create: (config: Config) => Promise<SubgraphApp<C>>,
  env: Record<string, string> = {},
): Promise<TestSubgraph> {
  const storage = await freshStorage();
  const config = testConfig({ ...storage.env, [`${name.toUpperCase()}_SOURCE`]: mode, ...env });
  const app = await create(config);
  const running = await serveSubgraph(app, config, 0);
  return {
    ...running,
    config,
    app: app as unknown as SubgraphApp<RequestContext>,
    async stop() {
      await running.stop();
      await storage.drop();
    },
  };
}
