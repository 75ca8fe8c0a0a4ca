// The import structure the layering promises, read from the sources: the gateway loads no subgraph
// code, lib/ imports nothing from a subgraph, the marketplace's modules keep their boundaries, and
// the contract fakes share no code with the clients they test.
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
    const filesUnder = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? filesUnder(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
      );
    const crossing = (from: string, to: string) =>
      filesUnder(from).flatMap((file) =>
        importsOf(file)
          .filter((path) => path.startsWith(`${to}/`))
          .map((path) => `${file} -> ${path}`),
      );
    expect(crossing('subgraphs/marketplace/local', 'subgraphs/marketplace/offsets')).toEqual([]);
    expect(crossing('subgraphs/marketplace/offsets', 'subgraphs/marketplace/local')).toEqual([]);
  });

  it('scripts, the contract fakes and the servers import no test code', () => {
    const filesUnder = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? filesUnder(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
      );
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
