// The import structure the layering promises, read from the sources: the gateway loads no subgraph
// code, lib/ imports nothing from a subgraph and names none (nor any upstream), the marketplace's
// modules keep their boundaries, and the contract fakes share no code with the clients they test.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../lib/paths.ts';
import { supergraphSubgraphs } from '../gateway/server.ts';
import { MANIFESTS, UPSTREAMS } from '../subgraphs/index.ts';

/**
 * The repository files a module imports (relative specifiers only; packages are not followed);
 * `atStart`: only those loaded with it, not those an `import()` loads when called.
 */
function importsOf(file: string, atStart = false): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [
    ...text.matchAll(
      /^\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'|^\s*import\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/gm,
    ),
  ]
    .filter((m) => !atStart || m[3] === undefined)
    .map((m) => m[1] ?? m[2] ?? m[3]!)
    .map((spec) => relative(ROOT, resolve(dirname(join(ROOT, file)), spec)))
    .filter((path) => existsSync(join(ROOT, path)));
}

/** Every module reachable from `entry` through relative imports (`atStart`: see importsOf). */
function closure(entry: string, atStart = false): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file, atStart));
  }
  return seen;
}

/** The TypeScript files under a folder of the repository. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
  );
}

describe('import structure', () => {
  it('the gateway loads no subgraph code', () => {
    const loaded = closure('gateway/server.ts');
    expect(loaded.size).toBeGreaterThan(20);
    expect([...loaded].filter((f) => f.startsWith('subgraphs/') || f === 'lib/subgraph.ts')).toEqual([]);
  });

  it("the gateway's subgraphs, read from the supergraph, are the manifests' names and default ports, in order", () => {
    expect(supergraphSubgraphs()).toEqual(MANIFESTS.map(({ name, port }) => ({ name, port })));
  });

  it('the list of subgraphs and their manifests load no server code (entities only when asked)', () => {
    const loaded = closure('subgraphs/index.ts', true);
    expect([...loaded].filter((f) => f.endsWith('/manifest.ts'))).toHaveLength(MANIFESTS.length);
    expect(
      [...loaded].filter(
        (f) => /^subgraphs\/.+\//.test(f) && !f.endsWith('/manifest.ts') && !f.startsWith('upstreams/'),
      ),
    ).toEqual([]);
    expect([...loaded].filter((f) => ['lib/subgraph.ts', 'lib/db.ts', 'lib/http-client.ts'].includes(f))).toEqual([]);
  });

  it('lib/ imports nothing from a subgraph', () => {
    const lib = readdirSync(join(ROOT, 'lib'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `lib/${f}`);
    expect(
      lib.flatMap((file) =>
        importsOf(file)
          .filter((path) => path.startsWith('subgraphs/'))
          .map((path) => `${file} -> ${path}`),
      ),
    ).toEqual([]);
  });

  it('lib/ names no subgraph and no upstream, in code or comments (the names read from the manifests)', () => {
    const names = [...MANIFESTS.map((m) => m.name), ...UPSTREAMS.flatMap((u) => [u.name, ...u.names])];
    expect(names).toEqual(expect.arrayContaining(['registry', 'co2trust', 'CarbonCloud', 'offset orders']));
    // A name as a word (`_` parts a word: REGISTRY_PORT), in any case, its words joined by a space,
    // `-`, `_` or nothing.
    const patterns = names.map(
      (name) => new RegExp(`(?<![a-z0-9])${name.split(/[\s_-]+/).join('[\\s_-]?')}s?(?![a-z0-9])`, 'i'),
    );
    // The demo data set every subgraph seeds (ids, e-mail addresses) lives outside lib/, in demo/.
    const lib = readdirSync(join(ROOT, 'lib')).filter((f) => f.endsWith('.ts'));
    const found = lib.flatMap((file) => {
      const text = readFileSync(join(ROOT, 'lib', file), 'utf8');
      // What a file imports from a package is that package's word (prom-client's `Registry`), not ours.
      const imported = [...text.matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'[^.][^']*'/gm)].flatMap((m) =>
        m[1]!.split(',').map((n) => n.replace(/^\s*type\s+/, '').trim()),
      );
      const own = imported.reduce((t, n) => (n ? t.replace(new RegExp(`\\b${n}\\b`, 'g'), '') : t), text);
      return own
        .split('\n')
        .flatMap((line, i) => (patterns.some((p) => p.test(line)) ? [`lib/${file}:${i + 1}: ${line.trim()}`] : []));
    });
    expect(found).toEqual([]);
  });

  it('the marketplace catalogue (local/) and offset orders (offsets/) import each other in neither direction', () => {
    const crossing = (from: string, to: string) =>
      filesUnder(from).flatMap((file) =>
        importsOf(file)
          .filter((path) => path.startsWith(`${to}/`))
          .map((path) => `${file} -> ${path}`),
      );
    expect(crossing('subgraphs/marketplace/local', 'subgraphs/marketplace/offsets')).toEqual([]);
    expect(crossing('subgraphs/marketplace/offsets', 'subgraphs/marketplace/local')).toEqual([]);
  });

  it('offset orders (offsets/) use the service outbox through its port only', () => {
    const through = filesUnder('subgraphs/marketplace/offsets').flatMap((file) =>
      importsOf(file)
        .filter((path) => path.startsWith('subgraphs/marketplace/outbox/'))
        .map((path) => `${file} -> ${path}`),
    );
    expect(through.length).toBeGreaterThan(0);
    expect(through.filter((edge) => !edge.endsWith(' -> subgraphs/marketplace/outbox/port.ts'))).toEqual([]);
  });

  it('a subgraph calls another only through lib/service-call.ts, and HTTP clients only in upstream adapters', () => {
    const sources = [...filesUnder('subgraphs'), ...filesUnder('lib')].filter((f) => !f.includes('/__generated__/'));
    const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');
    // Who opens HTTP connections of their own: undici, node:http(s) requests, the global fetch.
    const sending = sources.filter((file) =>
      /from\s+'undici'|\b(?:http|https)\.(?:request|get)\(|import\s*\{[^}]*\b(?:request|get)\b[^}]*\}\s*from\s+'node:https?'|globalThis\.fetch\b|(?<!async )(?<![.\w])fetch\(/.test(
        text(file),
      ),
    );
    expect(sending.sort()).toEqual(['lib/http-client.ts', 'lib/service-call.ts']);
    // The upstream REST client is built only by the upstream adapters.
    const building = sources.filter((file) => /\bupstreamClient\(|new UpstreamClient\(/.test(text(file)));
    expect(building.filter((file) => !/^subgraphs\/[^/]+\/(?:[^/]+\/)?upstream\//.test(file))).toEqual([
      'lib/http-client.ts',
    ]);
    // A subgraph's URL is read only to build a service endpoint.
    const subgraphUrls = sources.filter((file) => /\burlOf\(/.test(text(file)));
    expect(subgraphUrls.sort()).toEqual(
      ['lib/config.ts', 'lib/service-call.ts', 'subgraphs/marketplace/outbox/service-outbox.ts'].sort(),
    );
  });

  it('an admin check is isAdmin (lib/auth.ts): no other module compares a role with ADMIN', () => {
    const comparing = [...filesUnder('subgraphs'), ...filesUnder('lib'), ...filesUnder('gateway')].filter((file) =>
      /\brole\s*[!=]==?\s*'ADMIN'|'ADMIN'\s*[!=]==?\s*\w*\.?role\b/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(comparing).toEqual(['lib/auth.ts']);
  });

  it('scripts, the contract fakes and the servers import no test code', () => {
    const entries = [...filesUnder('scripts'), ...filesUnder('fakes'), 'gateway/server.ts'];
    expect(entries.length).toBeGreaterThan(10);
    const reached = new Set(entries.flatMap((file) => [...closure(file)]));
    expect([...reached].filter((f) => f.startsWith('test/'))).toEqual([]);
  });

  it('the contract fakes are their own reading of the documents: no client, validation, rules or resolver code', () => {
    const fakes = readdirSync(join(ROOT, 'fakes'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `fakes/${f}`);
    expect(fakes).toEqual(expect.arrayContaining(['fakes/co2trust-core.ts', 'fakes/carboncloud.ts', 'fakes/lune.ts']));
    const clientSide = (path: string) =>
      /^subgraphs\/[^/]+\/(upstream\/|resolvers\/|resolvers\.ts$|validation\.ts$|rules\.ts$)/.test(path);
    // Directly: a fake's wire shapes and checks are written from the document, never imported.
    expect(
      fakes.flatMap((file) =>
        importsOf(file)
          .filter(clientSide)
          .map((path) => `${file} -> ${path}`),
      ),
    ).toEqual([]);
    // Through the demo data they serve (subgraphs/*/local/seed.ts), they never reach a client or a resolver.
    const reached = new Set(fakes.flatMap((file) => [...closure(file)]));
    expect([...reached].filter((f) => /^subgraphs\/[^/]+\/(upstream|resolvers)\//.test(f))).toEqual([]);
  });

  it('reads the imports it checks', () => {
    expect(importsOf('lib/subgraph.ts')).toEqual(
      expect.arrayContaining(['lib/paths.ts', 'lib/sdl.ts', 'lib/access.ts']),
    );
  });
});
