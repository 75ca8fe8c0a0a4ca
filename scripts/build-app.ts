// Builds the offset page (app/ -> app/dist, served by the gateway at /app) when app/dist is
// missing or older than any of its sources; `npm start` and the browser tests call it, and
// `npm run build:app` builds it unconditionally. Offline: Vite and React come from node_modules.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/paths.ts';

const APP = join(ROOT, 'app');
const BUILT = join(APP, 'dist', 'index.html');

/** The newest modification time of a file or of any file below a folder (build output excluded). */
function newest(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(
    stats.mtimeMs,
    ...readdirSync(path)
      .filter((name) => name !== 'dist')
      .map((name) => newest(join(path, name))),
  );
}

/** Whether app/dist is missing or older than the page's sources or the installed packages. */
export function appIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const lock = join(ROOT, 'package-lock.json');
  return Math.max(newest(APP), existsSync(lock) ? statSync(lock).mtimeMs : 0) > statSync(BUILT).mtimeMs;
}

/** Runs Vite's production build of app/ (a child process, so a caller may go on meanwhile). */
export async function buildApp(): Promise<void> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(APP, 'vite.config.ts')],
    {
      cwd: ROOT,
      // A production build whatever the caller's NODE_ENV (jest sets `test`, which would bundle React's development build).
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`vite build of app/ exited with ${code}`);
}

/** Builds app/dist if it is missing or stale; true when it built. */
export async function ensureAppBuilt(): Promise<boolean> {
  if (!appIsStale()) return false;
  await buildApp();
  return true;
}

if (import.meta.main) {
  await (process.argv.includes('--if-stale') ? ensureAppBuilt() : buildApp());
  console.log(`The offset page is built in ${join(APP, 'dist')}`);
}
