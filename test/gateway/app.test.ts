// The offset page at /app: the built files with their content types, compressed like the rest and
// nothing outside app/dist; and the development-only sign-in, which mints a demo user's token
// (never logged) only on a loopback host for the page itself, and does not exist in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { APP_DIST, appFile } from '../../gateway/app.ts';
import { createGateway, serveGateway } from '../../gateway/server.ts';
import { signInHostAllowed } from '../../gateway/sign-in.ts';
import { ROOT } from '../../lib/paths.ts';
import { ensureAppBuilt } from '../../scripts/build-app.ts';
import { TEST_SECRETS, testConfig } from '../support/env.ts';
import { startStack, type Stack } from '../support/stack.ts';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request with the path sent exactly as written (fetch would normalise `..`). */
function raw(
  base: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Raw> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const signInRequest = (email: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email }),
});

describe('the offset page at /app', () => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    await ensureAppBuilt();
    stack = await startStack('local');
    base = stack.gateway.url.replace(/\/graphql$/, '');
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves the page and its assets with their content types', async () => {
    const moved = await raw(base, '/app');
    expect([moved.status, moved.headers.location]).toEqual([308, '/app/']);

    const page = await raw(base, '/app/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    const html = page.body.toString('utf8');
    expect(html).toContain('<div id="root">');

    const script = html.match(/src="(\/app\/assets\/[^"]+\.js)"/)?.[1];
    const style = html.match(/href="(\/app\/assets\/[^"]+\.css)"/)?.[1];
    expect(script && style).toBeTruthy();
    const js = await raw(base, script!);
    expect([js.status, js.headers['content-type'], js.headers['cache-control']]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
    ]);
    expect((await raw(base, style!)).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('compresses the page for clients that accept it, weighing their codings, and says Vary: Accept-Encoding', async () => {
    const script = readdirSync(join(APP_DIST, 'assets')).find((f) => f.endsWith('.js'))!;
    const gzipped = await raw(base, `/app/assets/${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    const plain = await raw(base, `/app/assets/${script}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 2);
    const weighed = await raw(base, `/app/assets/${script}`, {
      headers: { 'accept-encoding': 'gzip;q=0.1, br;q=1.0' },
    });
    expect(weighed.headers['content-encoding']).toBe('br');
    // Cached for a year by any cache on the way: each copy must be kept per coding.
    for (const answer of [gzipped, plain, weighed]) {
      expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(String(answer.headers.vary).split(', ')).toContain('Accept-Encoding');
    }
  });

  it('serves nothing outside app/dist', async () => {
    for (const path of [
      '/app/..%2f..%2fpackage.json',
      '/app/%2e%2e/%2e%2e/package.json',
      '/app/assets/..%5c..%5c..%5cpackage.json',
      '/app/%00',
      '/app/missing.js',
      '/app/assets/',
    ]) {
      const answer = await raw(base, path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(answer.body.toString('utf8')).not.toContain('carbon-federation');
    }
    expect((await raw(base, '/app/', { method: 'POST' })).status).toBe(405);
  });

  it('resolves only paths below app/dist', () => {
    expect(appFile('/app/')).toBe(join(APP_DIST, 'index.html'));
    expect(appFile('/app/assets/x.js')).toBe(join(APP_DIST, 'assets', 'x.js'));
    for (const path of [
      '/app/../package.json',
      '/app/..%2fpackage.json',
      '/app/%2e%2e/x',
      '/app/a\\..\\..\\x',
      '/app/%E0%A4%A',
      '/app/x%00.js',
    ]) {
      expect([path, appFile(path)]).toEqual([path, null]);
    }
  });

  it('signs a demo user in, and the token works at /graphql', async () => {
    const answer = await raw(base, '/app/sign-in', signInRequest('alice@buyer.example'));
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const session = JSON.parse(answer.body.toString('utf8')) as {
      accessToken: string;
      user: { email: string; role: string };
    };
    expect(session.user).toEqual({ email: 'alice@buyer.example', role: 'USER' });
    const me = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` },
      body: JSON.stringify({ query: '{ me { email } }' }),
    });
    expect(await me.json()).toEqual({ data: { me: { email: 'alice@buyer.example' } } });
  });

  it('refuses anything but a demo user as JSON, with a code', async () => {
    const unknown = await raw(base, '/app/sign-in', signInRequest('mallory@example.com'));
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body.toString('utf8')).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await raw(base, '/app/sign-in', signInRequest(42))).status).toBe(400);
    const form = await raw(base, '/app/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=alice%40buyer.example',
    });
    expect(form.status).toBe(415);
    const large = await raw(base, '/app/sign-in', signInRequest('x'.repeat(2_000)));
    expect(large.status).toBe(413);
    expect((await raw(base, '/app/sign-in')).status).toBe(405);
  });

  it('refuses a sign-in sent from another site', async () => {
    const { headers, ...rest } = signInRequest('alice@buyer.example');
    const foreign = await raw(base, '/app/sign-in', {
      ...rest,
      headers: { ...headers, origin: 'https://elsewhere.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.toString('utf8')).not.toContain('accessToken');
    const own = await raw(base, '/app/sign-in', { ...rest, headers: { ...headers, origin: base } });
    expect(own.status).toBe(200);
  });

  it('refuses the DNS-rebinding request: an attacker’s host name (resolving to this machine) with its own page as Origin', async () => {
    const { headers, ...rest } = signInRequest('admin@co2trust.example');
    const rebinding: Record<string, string>[] = [
      { host: 'evil.example:4300', origin: 'http://evil.example:4300' },
      { host: 'evil.example:4300' },
      { host: 'localhost.evil.example' },
    ];
    for (const extra of rebinding) {
      const rebound = await raw(base, '/app/sign-in', { ...rest, headers: { ...headers, ...extra } });
      expect(rebound.status).toBe(403);
      expect(JSON.parse(rebound.body.toString('utf8')).errors[0].extensions.code).toBe('FORBIDDEN');
      expect(rebound.body.toString('utf8')).not.toContain('accessToken');
    }
  });

  it('answers on loopback names and addresses, with or without the page’s own Origin', async () => {
    const { port } = new URL(base);
    const { headers, ...rest } = signInRequest('bob@buyer.example');
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      for (const origin of [{}, { origin: `http://${host.toLowerCase()}` }] as Record<string, string>[]) {
        const answer = await raw(base, '/app/sign-in', { ...rest, headers: { ...headers, host, ...origin } });
        expect([host, origin, answer.status]).toEqual([host, origin, 200]);
      }
    }
  });

  it('answers on a host GATEWAY_SIGN_IN_HOSTS lists, and on no other', async () => {
    const gateway = await serveGateway(
      testConfig({ GATEWAY_SIGN_IN_HOSTS: 'devbox.internal', MARKETPLACE_URL: stack.config.urlOf('marketplace') }),
      0,
    );
    try {
      const own = gateway.url.replace(/\/graphql$/, '');
      const { headers, ...rest } = signInRequest('alice@buyer.example');
      const listed = await raw(own, '/app/sign-in', {
        ...rest,
        headers: { ...headers, host: 'devbox.internal:4000', origin: 'http://devbox.internal:4000' },
      });
      expect(listed.status).toBe(200);
      const other = await raw(own, '/app/sign-in', {
        ...rest,
        headers: { ...headers, host: 'otherbox.internal:4000' },
      });
      expect(other.status).toBe(403);
    } finally {
      await gateway.stop();
    }
  });

  it('reads the Host header as a host name only', () => {
    for (const host of ['localhost', 'localhost:4000', '127.0.0.1:4000', '127.1.2.3', '[::1]:4000', 'LocalHost:1'])
      expect([host, signInHostAllowed(host, [])]).toEqual([host, true]);
    for (const host of [
      null,
      '',
      'evil.example:4300',
      'localhost.evil.example',
      'evil.example@localhost',
      'localhost/x',
      '127.0.0.1.nip.io',
      '0.0.0.0',
      '[::ffff:7f00:1]',
      'localhost:4000 x',
    ]) {
      expect([host, signInHostAllowed(host, [])]).toEqual([host, false]);
    }
    expect(signInHostAllowed('devbox.internal:4000', ['devbox.internal'])).toBe(true);
  });

  it('does not exist in production, where the page is still served', async () => {
    const { runtime } = createGateway(
      testConfig({
        NODE_ENV: 'production',
        GATEWAY_TRUSTED_DOCUMENTS: join(ROOT, 'test/__generated__/client/persisted-documents.json'),
      }),
    );
    try {
      const signIn = await runtime.fetch('http://gateway/app/sign-in', signInRequest('alice@buyer.example'));
      expect(signIn.status).toBe(404);
      expect(await signIn.text()).not.toContain('accessToken');
      expect((await runtime.fetch('http://gateway/app/')).status).toBe(200);
    } finally {
      await runtime.dispose();
    }
  });

  it('never logs the token it mints', async () => {
    // The gateway as its own process, logging everything, in front of this stack's marketplace.
    const gateway: ChildProcess = spawn(process.execPath, [join(ROOT, 'gateway', 'server.ts')], {
      env: {
        PATH: process.env.PATH,
        ...TEST_SECRETS,
        LOG_LEVEL: 'trace',
        HOST: '127.0.0.1',
        GATEWAY_PORT: '0',
        DATA_DIR: stack.config.dataDir,
        MARKETPLACE_URL: stack.config.urlOf('marketplace'),
        PAYMENTS_URL: stack.config.urlOf('payments'),
        REGISTRY_URL: stack.config.urlOf('registry'),
        FOOTPRINTS_URL: stack.config.urlOf('footprints'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    gateway.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    gateway.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    try {
      let ready: RegExpMatchArray | null = null;
      for (let i = 0; i < 1200 && !ready; i++) {
        ready = output.match(/gateway ready at (http:\/\/[^/]+)\/graphql/);
        if (!ready) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready).not.toBeNull();
      const answer = await raw(ready![1]!, '/app/sign-in', signInRequest('bob@buyer.example'));
      expect(answer.status).toBe(200);
      const { accessToken } = JSON.parse(answer.body.toString('utf8')) as { accessToken: string };
      const exited = new Promise((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
      expect(output).toContain('gateway ready');
      expect(output).not.toContain(accessToken);
      expect(output).not.toContain(accessToken.split('.')[2]);
      expect(output).not.toContain(TEST_SECRETS.BACKEND_SECRET_KEY);
    } finally {
      gateway.kill('SIGKILL');
    }
  }, 90_000);
});
