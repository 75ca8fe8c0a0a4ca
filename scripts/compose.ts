// Composes the four subgraph SDLs into schema/supergraph.graphql (and the public API schema), and
// writes the subgraphs' access policies as the table of docs/access.md.
// `--check` exits 1 when the checked-in files are stale instead of writing them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph } from '../gateway/compose.ts';
import { MANIFESTS, schemas } from '../subgraphs/index.ts';
import { ROOT } from '../lib/paths.ts';
import { accessDocument } from './access-table.ts';

const check = process.argv.includes('--check');
const result = composeSupergraph(MANIFESTS, schemas);
const outputs = {
  'schema/supergraph.graphql': result.supergraphSdl,
  'schema/api.graphql': result.publicSdl,
  'docs/access.md': accessDocument(),
};
let stale = false;
for (const [file, content] of Object.entries(outputs)) {
  const path = join(ROOT, file);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (current === content) continue;
  if (check) {
    console.error(`${file} is stale: run npm run compose`);
    stale = true;
  } else {
    writeFileSync(path, content);
    console.log(`wrote ${file}`);
  }
}
process.exit(stale ? 1 : 0);
