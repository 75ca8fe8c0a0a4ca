// Composes the four subgraph SDLs into schema/supergraph.graphql (and the public API schema).
// `--check` exits 1 when the checked-in files are stale instead of writing them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph } from '../gateway/compose.ts';
import { ROOT } from '../lib/subgraph.ts';

const check = process.argv.includes('--check');
const result = composeSupergraph();
const outputs = { 'supergraph.graphql': result.supergraphSdl, 'api.graphql': result.publicSdl };
let stale = false;
for (const [file, content] of Object.entries(outputs)) {
  const path = join(ROOT, 'schema', file);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (current === content) continue;
  if (check) {
    console.error(`schema/${file} is stale: run npm run compose`);
    stale = true;
  } else {
    writeFileSync(path, content);
    console.log(`wrote schema/${file}`);
  }
}
process.exit(stale ? 1 : 0);
