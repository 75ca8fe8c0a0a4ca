// The gateway process's own log output when a subgraph call fails, at its most detailed level: it
// names the failure and holds none of the request's personal data or credentials, nor the
// signatures of its subgraph requests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { closeServer } from '../../lib/http-server.ts';
import { ROOT } from '../../lib/paths.ts';
import { TEST_SECRETS, tokenFor } from '../support/env.ts';
import { CreateBankAccountDocument } from '../__generated__/operations.ts';
import { graphql } from '../support/graphql.ts';

const IBAN = 'DE89370400440532013000';
const HOLDER = 'Alice Buyer';

describe('gateway logs of a failing subgraph call', () => {
  let failing: Server;
  let gateway: ChildProcess;
  let output = '';
  let dataDir: string;

  /** Waits until the output matches (a process start on a busy machine takes a while), or fails after a minute. */
  async function outputMatching(pattern: RegExp): Promise<RegExpMatchArray> {
    for (let i = 0; i < 1200; i++) {
      const match = output.match(pattern);
      if (match) return match;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`No log line matched ${pattern}:\n${output}`);
  }

  beforeAll(async () => {
    // A payments stand-in that fails every call.
    failing = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error'));
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    dataDir = mkdtempSync(join(tmpdir(), 'carbon-gateway-logs-'));
    const absent = 'http://127.0.0.1:9/graphql';
    gateway = spawn(process.execPath, [join(ROOT, 'gateway', 'server.ts')], {
      env: {
        PATH: process.env.PATH,
        ...TEST_SECRETS,
        LOG_LEVEL: 'debug',
        HOST: '127.0.0.1',
        GATEWAY_PORT: '0',
        DATA_DIR: dataDir,
        PAYMENTS_URL: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/graphql`,
        MARKETPLACE_URL: absent,
        REGISTRY_URL: absent,
        FOOTPRINTS_URL: absent,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    gateway.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  });
  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
    }
    if (failing) await closeServer(failing);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('names the failed subgraph and logs no body, IBAN, holder name, email or token', async () => {
    const [, url] = await outputMatching(/gateway ready at (http:\/\/\S+\/graphql)/);
    const token = await tokenFor(DEMO.users.alice);
    const res = await graphql(
      url!,
      CreateBankAccountDocument,
      { input: { holderName: HOLDER, iban: IBAN, bic: 'COBADEFFXXX', currency: 'EUR', countryCode: 'DE' } },
      {
        token,
        headers: {
          'x-request-id': DEMO.users.alice.email,
          'graphql-client-name': 'offset-page',
          'graphql-client-version': '1.4.0',
        },
      },
    );
    expect(res.errors?.length).toBeGreaterThan(0);
    // The line names the client the request named (graphql-client-name / -version).
    await outputMatching(/^.*"clientName":"offset-page","clientVersion":"1\.4\.0".*"serviceName":"payments".*$/m);
    for (const secret of [IBAN, '3704 0044', HOLDER, DEMO.users.alice.email, token, token.split('.')[2]!])
      expect(output).not.toContain(secret);
    // The signature of each subgraph request (RFC 9421 `Signature: gateway=:…:`) and its parameters.
    expect(output).not.toMatch(/gateway=:[A-Za-z0-9+/]{20,}/);
    expect(output).not.toMatch(/keyid=\\?"test-1/);
  }, 120_000);
});
