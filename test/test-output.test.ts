// What a suite prints: the servers it starts log to a file of the suite's own, which is printed
// (readably, with its path) only when a test of the suite fails, and deleted when it passes.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../lib/paths.ts';

/** Runs the fixture suite in a jest of its own (SQLite), as `npm test` runs a suite. */
function runFixture(fails: boolean): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(fails ? { SERVER_LOG_FIXTURE_FAILS: 'yes' } : {}) };
  for (const name of ['DATABASE_URL', 'TEST_SERVER_LOG', ...(fails ? [] : ['SERVER_LOG_FIXTURE_FAILS'])])
    delete env[name];
  const child = spawn(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      join(ROOT, 'node_modules/jest/bin/jest.js'),
      '--testMatch',
      '<rootDir>/test/support/fixtures/server-log-suite.ts',
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

const logFileOf = (output: string) => /log file: (\S+)/.exec(output)?.[1];

describe('test output', () => {
  it('a passing suite prints no server line, and its log file is deleted', async () => {
    const { code, output } = await runFixture(false);
    expect(code).toBe(0);
    const file = logFileOf(output);
    expect(file).toMatch(/carbon-test-log-.*servers\.log$/);
    expect(output).not.toContain('payments subgraph ready');
    expect(output).not.toContain("The servers' log");
    expect(existsSync(file!)).toBe(false);
  }, 60_000);

  it("a failing suite prints its servers' log readably after it, and keeps the file", async () => {
    const { code, output } = await runFixture(true);
    expect(code).toBe(1);
    const file = logFileOf(output)!;
    expect(output).toContain(
      `The servers' log of test/support/fixtures/server-log-suite.ts, where a test failed (kept in ${file}):`,
    );
    expect(output).toMatch(
      /\n\d\d:\d\d:\d\d\.\d{3} INFO payments: payments subgraph ready at http:\/\/127\.0\.0\.1:\d+\/graphql/,
    );
    expect(existsSync(file)).toBe(true);
    rmSync(dirname(file), { recursive: true, force: true });
  }, 60_000);
});
