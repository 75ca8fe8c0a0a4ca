// Generated artifacts are checked in and must match their sources: the composed supergraph (and
// public API schema), the access table of docs/access.md and the codegen output. Regenerate with `npm run compose && npm run codegen`.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { composeSupergraph } from '../gateway/compose.ts';
import { MANIFESTS, schemas } from '../subgraphs/index.ts';
import { ROOT } from '../lib/paths.ts';
import { accessDocument } from '../scripts/access-table.ts';

const run = promisify(execFile);

describe('generated files', () => {
  it('the four subgraphs compose without errors into the checked-in supergraph', () => {
    const composed = composeSupergraph(MANIFESTS, schemas);
    for (const name of ['marketplace', 'payments', 'registry', 'footprints']) {
      expect(composed.supergraphSdl).toContain(`@join__graph(name: "${name}"`);
    }
    expect(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8')).toBe(composed.supergraphSdl);
    expect(readFileSync(join(ROOT, 'schema/api.graphql'), 'utf8')).toBe(composed.publicSdl);
  });

  it('the access table of docs/access.md is the one the subgraphs declare', () => {
    expect(readFileSync(join(ROOT, 'docs/access.md'), 'utf8')).toBe(accessDocument());
  });

  it('codegen output is up to date with the schemas and operations', async () => {
    const bin = join(ROOT, 'node_modules/.bin/graphql-codegen');
    await expect(run(bin, ['--config', 'codegen.ts', '--check'], { cwd: ROOT })).resolves.toBeDefined();
  }, 120_000);
});
