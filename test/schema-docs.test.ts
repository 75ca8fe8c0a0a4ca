// The public schema is documented and checked: graphql-eslint's schema rules (eslint.config.js)
// run on schema/api.graphql inside `npm run lint`, and the root types are described once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { parse } from 'graphql';
import { rootDescriptionErrors } from '../gateway/compose.ts';
import { ROOT } from '../lib/paths.ts';

const API_SCHEMA = 'schema/api.graphql';
const apiSdl = () => readFileSync(join(ROOT, API_SCHEMA), 'utf8');

async function lintApiSchema(text: string) {
  const [result] = await new ESLint({ cwd: ROOT }).lintText(text, { filePath: join(ROOT, API_SCHEMA) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('schema documentation', () => {
  it('the checked-in API schema has no graphql-eslint finding', async () => {
    expect(await lintApiSchema(apiSdl())).toEqual([]);
  }, 60_000);

  it('a field, argument, input field or enum value without a description is a lint error', async () => {
    const sdl = apiSdl()
      .replace(/^(type Product\b[^{]*\{)\n/m, '$1\n  undocumented(limit: Int): Int\n')
      .replace(/^input ProductFilter \{\n/m, 'input ProductFilter {\n  undocumentedInput: Int\n')
      .replace(/^enum OrderStatus \{\n/m, 'enum OrderStatus {\n  UNDOCUMENTED\n');
    const messages = await lintApiSchema(sdl);
    expect(messages.filter((m) => m.startsWith('@graphql-eslint/require-description'))).toHaveLength(4);
    expect(messages.join('\n')).toMatch(/field "undocumented" in type "Product"/);
  }, 60_000);

  it('every custom scalar names the specification of its format', () => {
    const scalars = parse(apiSdl()).definitions.filter((d) => d.kind === 'ScalarTypeDefinition');
    expect(scalars.length).toBeGreaterThan(0);
    const withoutSpec = scalars
      .filter((s) => !s.directives?.some((d) => d.name.value === 'specifiedBy'))
      .map((s) => s.name.value);
    expect(withoutSpec).toEqual([]);
  });

  it('composition refuses a root type described in two subgraphs', () => {
    const sdl = (description: string) => parse(`${description} type Query { a: Int }`);
    expect(
      rootDescriptionErrors([
        { name: 'marketplace', typeDefs: sdl('"The API."') },
        { name: 'payments', typeDefs: sdl('') },
      ]),
    ).toEqual([]);
    expect(
      rootDescriptionErrors([
        { name: 'marketplace', typeDefs: sdl('"The API."') },
        { name: 'footprints', typeDefs: sdl('"Footprints."') },
      ]),
    ).toEqual([
      'type Query is described in marketplace and footprints: describe the root types once, for the whole API (marketplace)',
    ]);
  });
});
