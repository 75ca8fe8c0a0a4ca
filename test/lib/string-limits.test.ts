// String limits (lib/string-limits.ts), generated from the schema: every String and ID argument
// and input field of every subgraph, as served, refuses a string one character over its limit
// before its resolver runs (an INVALID user error on a payload with userErrors, else
// BAD_USER_INPUT) and lets one of exactly its limit through; the public schema documents each
// limit in the field's description. A new string input gets the default limit and its sentence
// without anything to remember.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GraphQLError,
  buildASTSchema,
  buildSchema,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { SUBGRAPHS, schemas, type SubgraphName } from '../../subgraphs/index.ts';
import { MAX_CURSOR_LENGTH, MAX_STRING_LENGTH } from '../../lib/limits.ts';
import { applyStringLimits, statedLimit, withStringLimits } from '../../lib/string-limits.ts';
import { ROOT } from '../../lib/paths.ts';
import { subgraphSchema, type RequestContext, type SubgraphApp } from '../../lib/subgraph.ts';
import { testConfig } from '../support/env.ts';
import { policy as footprintsPolicy } from '../../subgraphs/footprints/policy.ts';
import { policy as marketplacePolicy } from '../../subgraphs/marketplace/policy.ts';
import { policy as paymentsPolicy } from '../../subgraphs/payments/policy.ts';
import { policy as registryPolicy } from '../../subgraphs/registry/policy.ts';

/** One string position of a field's arguments: the arguments holding a string there, and its path and limit. */
interface Position {
  path: string;
  coordinate: string;
  build: (text: string) => unknown;
}

/** Every string position reachable in a value of `type` (input objects and lists included), once per input field. */
function positions(type: GraphQLInputType, path: string, coordinate: string, seen: Set<string>): Position[] {
  if (isNonNullType(type)) return positions(type.ofType, path, coordinate, seen);
  if (isListType(type))
    return positions(type.ofType, `${path}.0`, coordinate, seen).map((p) => ({
      ...p,
      build: (text) => [p.build(text)],
    }));
  const named = getNamedType(type);
  if (named.name === 'String' || named.name === 'ID') return [{ path, coordinate, build: (text) => text }];
  if (!isInputObjectType(named) || seen.has(named.name)) return [];
  const inner = new Set(seen).add(named.name);
  return Object.values(named.getFields()).flatMap((f) =>
    positions(f.type, `${path}.${f.name}`, `${named.name}.${f.name}`, inner).map((p) => ({
      ...p,
      build: (text: string) => ({ [f.name]: p.build(text) }),
    })),
  );
}

function fieldPositions(typeName: string, field: GraphQLField<unknown, unknown>): Position[] {
  return field.args.flatMap((arg) =>
    positions(arg.type, arg.name, `${typeName}.${field.name}(${arg.name})`, new Set()).map((p) => ({
      ...p,
      build: (text: string) => ({ [arg.name]: p.build(text) }),
    })),
  );
}

const REACHED = Symbol('the resolver ran');

/** Whether an answer is the length check's refusal (`node`/`nodes` have resolvers of their own, which answer otherwise). */
const lengthRefusal = (answer: unknown) =>
  /has at most \d+ characters/.test(answer instanceof Error ? answer.message : (JSON.stringify(answer) ?? ''));

/** Calls a field's resolver as served (the field's own resolver is the default one: it answers REACHED). */
async function resolve(field: GraphQLField<unknown, unknown>, args: unknown): Promise<unknown> {
  try {
    return await field.resolve!({ [field.name]: REACHED }, args, {}, { fieldName: field.name } as GraphQLResolveInfo);
  } catch (error) {
    return error;
  }
}

const POLICIES = {
  marketplace: marketplacePolicy,
  payments: paymentsPolicy,
  registry: registryPolicy,
  footprints: footprintsPolicy,
};

/** Each subgraph's schema as it serves it, with no resolvers of its own. */
function servedSchema(name: SubgraphName): GraphQLSchema {
  const app = {
    name,
    schemas,
    resolvers: {},
    policy: POLICIES[name],
    context: (base: RequestContext) => base,
    health: async () => ({ up: true, source: 'local' }),
    close: async () => {},
  } as SubgraphApp<RequestContext>;
  return subgraphSchema(app, testConfig());
}

/** The coordinates of every string position of a schema's field arguments. */
const servedCoordinates = (schema: GraphQLSchema) =>
  Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .flatMap((type) =>
      Object.values(type.getFields()).flatMap((field) => fieldPositions(type.name, field).map((p) => p.coordinate)),
    );

describe('string limits of every subgraph', () => {
  it.each(SUBGRAPHS)(
    '%s: one character over its limit is refused before the resolver, the limit itself is let through',
    async (name) => {
      const schema = servedSchema(name);
      const limits = schemas.stringLimits(name);
      const failures: string[] = [];
      for (const type of Object.values(schema.getTypeMap())) {
        if (!isObjectType(type) || type.name.startsWith('__')) continue;
        for (const field of Object.values(type.getFields())) {
          if (field.name === '_entities') continue;
          const answersUserErrors =
            isObjectType(getNamedType(field.type)) &&
            'userErrors' in (getNamedType(field.type) as { getFields(): object }).getFields();
          for (const p of fieldPositions(type.name, field)) {
            const max = limits.get(p.coordinate);
            if (max === undefined) {
              failures.push(`${type.name}.${field.name} ${p.path}: no limit`);
              continue;
            }
            const over = await resolve(field, p.build('é'.repeat(max + 1)));
            const refused = answersUserErrors
              ? JSON.stringify(over) ===
                JSON.stringify({
                  userErrors: [
                    { field: p.path.split('.'), code: 'INVALID', message: `"${p.path}" has at most ${max} characters` },
                  ],
                })
              : over instanceof GraphQLError &&
                over.extensions.code === 'BAD_USER_INPUT' &&
                over.extensions.field === p.path;
            if (!refused) failures.push(`${type.name}.${field.name} ${p.path}: ${max + 1} characters not refused`);
            // Characters are counted as PostgreSQL counts them: an emoji is one, not two UTF-16 units.
            const at = await resolve(field, p.build('🌳'.repeat(max)));
            if (lengthRefusal(at)) failures.push(`${type.name}.${field.name} ${p.path}: ${max} characters refused`);
          }
        }
      }
      expect(failures).toEqual([]);
    },
  );

  it('every String and ID input of the public schema is limited by its subgraph and says so in its description', () => {
    const api = buildSchema(readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8'));
    const limits = new Map(SUBGRAPHS.flatMap((name) => [...schemas.stringLimits(name)]));
    const tested = new Set(SUBGRAPHS.flatMap((name) => servedCoordinates(servedSchema(name))));
    const wrong: string[] = [];
    const check = (coordinate: string, typeName: string, description: string | null | undefined) => {
      if (typeName !== 'String' && typeName !== 'ID') return;
      const max = limits.get(coordinate);
      if (max === undefined) wrong.push(`${coordinate}: no limit`);
      else if (!tested.has(coordinate)) wrong.push(`${coordinate}: not served with its limit`);
      else if (statedLimit(description ?? '') !== max)
        wrong.push(`${coordinate}: the description does not say "at most ${max} characters"`);
    };
    for (const type of Object.values(api.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (isObjectType(type))
        for (const f of Object.values(type.getFields()))
          for (const a of f.args) check(`${type.name}.${f.name}(${a.name})`, getNamedType(a.type).name, a.description);
      if (isInputObjectType(type))
        for (const f of Object.values(type.getFields()))
          check(`${type.name}.${f.name}`, getNamedType(f.type).name, f.description);
    }
    expect(wrong).toEqual([]);
  });
});

describe('declaring a limit', () => {
  const sdl = (body: string) =>
    parse(`directive @maxLength(characters: Int!) on ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION
      type Query { find("What to find." name: String, after: String, count: Int): String }
      ${body}`);

  it('is the default, @maxLength, or the cursor default; the description gets the sentence and the directive goes', () => {
    const { document, limits } = applyStringLimits(
      sdl(`input Note { "Free text." text: String @maxLength(characters: 2000) title: String tags: [ID!] }`),
    );
    expect(Object.fromEntries(limits)).toEqual({
      'Query.find(name)': MAX_STRING_LENGTH,
      'Query.find(after)': MAX_CURSOR_LENGTH,
      'Note.text': 2000,
      'Note.title': MAX_STRING_LENGTH,
      'Note.tags': MAX_STRING_LENGTH,
    });
    const schema = buildASTSchema(document, { assumeValidSDL: true });
    expect(schema.getDirective('maxLength')).toBeUndefined();
    const note = schema.getType('Note') as unknown as {
      getFields(): Record<string, { description: string; astNode: { directives: unknown[] } }>;
    };
    expect(note.getFields().text!.description).toBe('Free text. At most 2000 characters.');
    expect(note.getFields().text!.astNode.directives).toEqual([]);
    expect(note.getFields().title!.description).toBe('At most 255 characters.');
    expect(
      schema
        .getQueryType()!
        .getFields()
        .find!.args.find((a) => a.name === 'name')!.description,
    ).toBe('What to find. At most 255 characters.');
  });

  it('refuses a description that states another limit, and @maxLength on a field that is not a string', () => {
    expect(() => applyStringLimits(sdl(`input Note { "At most 100 characters." text: String }`))).toThrow(
      'Note.text: the description says 100 characters, the limit is 255',
    );
    expect(() => applyStringLimits(sdl(`input Note { count: Int @maxLength(characters: 3) }`))).toThrow(
      'for String and ID inputs only',
    );
    expect(
      applyStringLimits(
        sdl(`input Note { "1 to 200 printable characters." key: String @maxLength(characters: 200) }`),
      ).limits.get('Note.key'),
    ).toBe(200);
  });

  it('checks the arguments as sent, before any other wrapper of the field', async () => {
    const { document, limits } = applyStringLimits(sdl(''));
    const schema = withStringLimits(buildASTSchema(document, { assumeValidSDL: true }), limits);
    const find = schema.getQueryType()!.getFields().find!;
    const refused = await resolve(find, { name: 'x'.repeat(256) });
    expect(refused).toBeInstanceOf(GraphQLError);
    expect((refused as GraphQLError).message).toBe('"name" has at most 255 characters');
    expect(await resolve(find, { name: 'x'.repeat(255), after: 'c'.repeat(MAX_CURSOR_LENGTH) })).toBe(REACHED);
  });
});
