// Run before every suite: the servers it starts in this process write their log lines to the
// suite's own file (named by test/support/environment.ts), which is printed only when a test of
// the suite fails. A test that reads the lines itself gives its logger a destination of its own.
import { appendFileSync } from 'node:fs';
import { setDefaultLogDestination } from '../../lib/logger.ts';

const file = process.env.TEST_SERVER_LOG;
if (file) {
  setDefaultLogDestination({
    write(line: string) {
      try {
        appendFileSync(file, line);
      } catch {
        // The suite is over and its folder gone: a late line of a server still stopping is dropped.
      }
    },
  });
}
