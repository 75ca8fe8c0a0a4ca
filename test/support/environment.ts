// The environment of every suite: Node's, plus a log file of the suite's own in a temp folder,
// where the servers the suite starts write their lines (test/support/server-log.ts). A passing
// suite's log is deleted unread; when a test or a hook of the suite fails, its last lines are
// printed after the suite and the file is kept for the rest.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import { TestEnvironment } from 'jest-environment-node';

/** The variable that names the suite's log file inside the suite (read by server-log.ts and env.ts). */
const SERVER_LOG_VARIABLE = 'TEST_SERVER_LOG';

/** How many of the log's last lines a failed suite prints. */
const PRINTED_LINES = 200;

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** A pino line as `time LEVEL name: message {other fields}`; any other line as it is. */
function readable(line: string): string {
  try {
    const {
      level,
      time,
      name,
      msg,
      pid: _pid,
      hostname: _hostname,
      ...rest
    } = JSON.parse(line) as Record<string, unknown>;
    const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    return `${new Date(Number(time)).toISOString().slice(11, 23)} ${LEVELS[Number(level)] ?? level} ${name}: ${msg ?? ''}${fields}`;
  } catch {
    return line;
  }
}

export default class SuiteEnvironment extends TestEnvironment {
  private readonly logDir: string;
  private readonly logFile: string;
  private readonly suite: string;
  private failed = false;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.logDir = mkdtempSync(join(tmpdir(), 'carbon-test-log-'));
    this.logFile = join(this.logDir, 'servers.log');
    this.suite = relative(config.globalConfig.rootDir, context.testPath);
    (this.global.process as NodeJS.Process).env[SERVER_LOG_VARIABLE] = this.logFile;
  }

  handleTestEvent(event: Circus.Event): void {
    if (event.name === 'hook_failure' || event.name === 'test_fn_failure') this.failed = true;
  }

  override async teardown(): Promise<void> {
    if (this.failed) {
      let lines: string[] = [];
      try {
        lines = readFileSync(this.logFile, 'utf8').trimEnd().split('\n');
      } catch {
        // No server of the suite wrote a line.
      }
      const shown = lines.slice(-PRINTED_LINES);
      process.stderr.write(
        lines.length && lines[0]
          ? `\nThe servers' log of ${this.suite}, where a test failed (${shown.length < lines.length ? `last ${shown.length} of ${lines.length} lines; ` : ''}kept in ${this.logFile}):\n${shown.map(readable).join('\n')}\n\n`
          : `\nThe servers of ${this.suite}, where a test failed, wrote no log line.\n\n`,
      );
      if (!lines.length || !lines[0]) rmSync(this.logDir, { recursive: true, force: true });
    } else {
      rmSync(this.logDir, { recursive: true, force: true });
    }
    await super.teardown();
  }
}
