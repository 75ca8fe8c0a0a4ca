// The import structure the layering promises, read from the sources: the gateway loads no subgraph
// code, lib/ imports nothing from a subgraph, and the marketplace's modules keep their boundaries.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../lib/paths.ts';

/** The repository files a module imports (relative specifiers only; packages are not followed). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [
    ...text.matchAll(
      /^\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'|^\s*import\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/gm,
    ),
  ]
    .map((m) => m[1] ?? m[2] ?? m[3]!)
    .map((spec) => relative(ROOT, resolve(dirname(join(ROOT, file)), spec)))
    .filter((path) => existsSync(join(ROOT, path)));
}

/** Every module reachable from `entry` through relative imports. */
function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file));
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

  it('reads the imports it checks', () => {
    expect(importsOf('lib/subgraph.ts')).toEqual(
      expect.arrayContaining(['lib/paths.ts', 'lib/sdl.ts', 'lib/access.ts']),
    );
  });
});
