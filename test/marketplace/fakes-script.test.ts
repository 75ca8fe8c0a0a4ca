// `npm run fakes` serves the contract fakes on the configured upstream URLs and prints the
// credentials and demo users they accept.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO } from '../../demo/data.ts';
import { ROOT } from '../../lib/paths.ts';
import { FAKE_CO2TRUST_SECRET } from '../../fakes/co2trust.ts';
import { freePort } from '../support/free-port.ts';

describe('npm run fakes', () => {
  let child: ChildProcess;
  let output = '';
  const urls: Record<string, string> = {};
  const dataDir = mkdtempSync(join(tmpdir(), 'fakes-'));

  beforeAll(async () => {
    for (const name of ['CO2TRUST', 'ICR', 'CARBONCLOUD', 'OFFSET_ORDERS'])
      urls[name] = `http://127.0.0.1:${await freePort()}`;
    child = spawn(process.execPath, [join(ROOT, 'scripts/fakes.ts')], {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dataDir,
        ...Object.fromEntries(Object.entries(urls).map(([k, v]) => [`${k}_BASE_URL`, v])),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fakes did not start: ${output}`)), 30_000);
      child.stdout!.on('data', () => {
        if (output.includes('Ctrl-C stops the fakes')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`fakes exited: ${output}`)));
    });
  }, 40_000);
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers on the configured CO2Trust URL (its documented GET /health and a list)', async () => {
    expect((await (await fetch(`${urls.CO2TRUST}/health`)).json()) as unknown).toMatchObject({ status: 'ok' });
    const res = await fetch(`${urls.CO2TRUST}/co2trust-services/v1/products?page=1&size=1`);
    expect(res.status).toBe(200);
  });

  it('answers on the other configured upstream URLs', async () => {
    for (const name of ['ICR', 'CARBONCLOUD', 'OFFSET_ORDERS']) {
      const res = await fetch(`${urls[name]}/`);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('prints the credentials to export and the demo users', () => {
    expect(output).toContain(`CO2TRUST_BACKEND_SECRET_KEY=${FAKE_CO2TRUST_SECRET}`);
    expect(output).toContain('CARBONCLOUD_USERNAME=');
    expect(output).toContain(DEMO.users.alice.email);
    expect(output).not.toMatch(/_BASE_URL=/);
  });
});
