// The schema as a contract: breaking changes against the released schema fail the check, naming
// the change and the known operations it breaks; deprecation, a release, then removal passes.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  Kind,
  parse,
  print,
  visit,
  type ConstDirectiveNode,
  type DocumentNode,
  type ObjectTypeDefinitionNode,
  type TypeNode,
} from 'graphql';
import {
  checkContract,
  coordinatesUsed,
  formatReport,
  knownOperations,
  markdownExamples,
  PUBLIC_SURFACE,
  readReleased,
  releaseSchemas,
  type ContractReport,
} from '../scripts/schema-contract.ts';
import { check, currentSdls, publish, schemaOf } from '../scripts/schema.ts';
import { SUBGRAPHS } from '../subgraphs/index.ts';
import { ROOT } from '../lib/paths.ts';

const known = knownOperations(ROOT).operations;

/** Type definitions and the members to change, as `Type.member`. */
type Edit = (
  typeName: string,
  member: string,
  node: { type: TypeNode; directives?: readonly ConstDirectiveNode[] },
) => object | null | undefined;

/** The SDL with an edit applied to every field, argument and input field (by `Type.member`, `Type.field.arg`). */
function edited(sdl: string, edit: Edit): string {
  let typeName = '';
  let fieldName = '';
  const enterType = (node: { name: { value: string } }) => {
    typeName = node.name.value;
    fieldName = '';
  };
  const document = visit(parse(sdl), {
    ObjectTypeDefinition: enterType,
    ObjectTypeExtension: enterType,
    InterfaceTypeDefinition: enterType,
    InputObjectTypeDefinition: enterType,
    DirectiveDefinition: (node) => enterType({ name: { value: `@${node.name.value}` } }),
    FieldDefinition(node) {
      fieldName = node.name.value;
      return edit(typeName, node.name.value, node) as never;
    },
    InputValueDefinition(node) {
      // An input object's field is `Input.field`; a field's argument `Type.field.arg`.
      return edit(typeName, fieldName ? `${fieldName}.${node.name.value}` : node.name.value, node) as never;
    },
  }) as DocumentNode;
  return print(document);
}

const named = (name: string): TypeNode => ({ kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: name } });
const deprecated = (reason: string): ConstDirectiveNode =>
  (parse(`type T { f: Int @deprecated(reason: ${JSON.stringify(reason)}) }`).definitions[0] as ObjectTypeDefinitionNode)
    .fields![0]!.directives![0]!;

/** Apply `edit` to these surfaces (by name); the others stay as released. */
function surfacesWith(root: string, edits: Record<string, Edit>) {
  return [PUBLIC_SURFACE, ...SUBGRAPHS].map((name) => {
    const released = readReleased(root, name)!;
    const releasedSdl = released.sdl.slice(released.sdl.indexOf('\n') + 1);
    const now = edits[name] ? edited(releasedSdl, edits[name]) : releasedSdl;
    return { name, current: schemaOf(name, now), released: schemaOf(name, releasedSdl), sdl: now };
  });
}

const changelogOf = (root: string) => readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
const listInChangelog = (root: string, ...coordinates: string[]) =>
  writeFileSync(
    join(root, 'CHANGELOG.md'),
    changelogOf(root).replace(
      '## Unreleased\n',
      `## Unreleased\n\n${coordinates.map((c) => `- \`${c}\` changed.`).join('\n')}\n`,
    ),
  );

const finding = (report: ContractReport, surface: string, path: string) =>
  report.breaking.find((f) => f.surface === surface && f.change.path === path);

describe('the schema check', () => {
  let root: string;
  beforeEach(() => {
    // A copy of what the check reads besides the schemas: the released snapshots and the CHANGELOG.
    root = mkdtempSync(join(tmpdir(), 'schema-contract-'));
    cpSync(join(ROOT, 'schema', 'released'), join(root, 'schema', 'released'), { recursive: true });
    cpSync(join(ROOT, 'CHANGELOG.md'), join(root, 'CHANGELOG.md'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = (edits: Record<string, Edit>) =>
    checkContract({ surfaces: surfacesWith(root, edits), operations: known, changelog: changelogOf(root) });

  it('passes on the repository as it is, against its released schema, with every known operation', async () => {
    const lines: string[] = [];
    expect(await check(ROOT, (line) => lines.push(line))).toBe(true);
    expect(lines.join('\n')).toMatch(/schema check passed/);
    // The page's operations, the manifest's and the READMEs' examples.
    const sources = new Set(known.map((op) => op.source.replace(/:\d+$/, '')));
    expect([...sources]).toEqual(
      expect.arrayContaining([
        'app/src/operations.graphql',
        'test/__generated__/client/persisted-documents.json',
        'README.md',
        'subgraphs/registry/README.md',
        'docs/api.md',
      ]),
    );
    expect(known.length).toBeGreaterThan(40);
  });

  it('fails on a removed field, a changed argument type and a nullable input field made non-null, naming each change and the operations it breaks', async () => {
    const report = await run({
      [PUBLIC_SURFACE]: (type, member, node) => {
        if (type === 'ResoldProduct' && member === 'brandName') return null;
        if (type === 'Query' && member === 'resoldProducts.first') return { ...node, type: named('String') };
        if (type === 'OffsetResoldProductInput' && member === 'beneficiary')
          return { ...node, type: { kind: Kind.NON_NULL_TYPE, type: node.type } };
        return undefined;
      },
    });
    expect(report.ok).toBe(false);
    const removed = finding(report, PUBLIC_SURFACE, 'ResoldProduct.brandName')!;
    expect(removed.change.type).toBe('FIELD_REMOVED');
    expect(removed.operations).toEqual(['AppResoldProducts (app/src/operations.graphql)']);
    expect(removed.problems.join('\n')).toMatch(/removed without a release in which it was @deprecated/);
    expect(removed.problems.join('\n')).toMatch(/not listed in CHANGELOG.md's Unreleased entry/);

    const argument = finding(report, PUBLIC_SURFACE, 'Query.resoldProducts.first')!;
    expect(argument.change.type).toBe('FIELD_ARGUMENT_TYPE_CHANGED');
    expect(argument.operations).toContain('AppResoldProducts (app/src/operations.graphql)');

    // Through the page's `$input` variable, and the README example that writes the input inline without it.
    const input = finding(report, PUBLIC_SURFACE, 'OffsetResoldProductInput.beneficiary')!;
    expect(input.change.type).toBe('INPUT_FIELD_TYPE_CHANGED');
    expect(input.operations).toContain('AppOffsetResoldProduct (app/src/operations.graphql)');
    expect(input.operations.some((op) => /^anonymous \(README\.md:\d+\)$/.test(op))).toBe(true);

    const printed = formatReport(report, 'the released schema');
    expect(printed).toMatch(/✗ breaking \(api\) FIELD_REMOVED ResoldProduct\.brandName/);
    expect(printed).toMatch(/breaks 1 known operation\(s\): AppResoldProducts \(app\/src\/operations\.graphql\)/);
    expect(printed).toMatch(/schema check failed/);
    // A known operation that no longer validates is named too.
    expect(report.problems.join('\n')).toMatch(
      /AppResoldProducts \(app\/src\/operations.graphql\) is not valid against the schema: Cannot query field "brandName"/,
    );
  });

  it('still fails when the change is in the CHANGELOG but breaks a known operation', async () => {
    listInChangelog(root, 'Query.resoldProducts.first');
    const report = await run({
      [PUBLIC_SURFACE]: (type, member, node) =>
        type === 'Query' && member === 'resoldProducts.first' ? { ...node, type: named('String') } : undefined,
    });
    expect(report.ok).toBe(false);
    expect(finding(report, PUBLIC_SURFACE, 'Query.resoldProducts.first')!.problems).toEqual([
      expect.stringMatching(/^breaks \d+ known operation/),
    ]);
  });

  it('passes a breaking change that no known operation uses once it is listed in the CHANGELOG', async () => {
    // No known operation gives `orders` its `order`.
    const path = 'Query.orders.order';
    const api = schemaOf(PUBLIC_SURFACE, currentSdls()[0]!.sdl);
    expect(known.some((op) => coordinatesUsed(api, op).has(path))).toBe(false);
    const edit: Edit = (type, member, node) =>
      `${type}.${member}` === path ? { ...node, type: named('Int') } : undefined;
    const unlisted = await run({ [PUBLIC_SURFACE]: edit });
    expect(unlisted.ok).toBe(false);
    expect(finding(unlisted, PUBLIC_SURFACE, path)!.problems).toEqual([
      expect.stringMatching(/not listed in CHANGELOG.md/),
    ]);
    listInChangelog(root, path);
    const listed = await run({ [PUBLIC_SURFACE]: edit });
    expect(listed.ok).toBe(true);
    expect(finding(listed, PUBLIC_SURFACE, path)!.problems).toEqual([]);
  });

  it('checks each subgraph too: a field one subgraph drops from a shared type fails though the public schema keeps it', async () => {
    const report = await run({
      payments: (type, member) => (type === 'Money' && member === 'currency' ? null : undefined),
    });
    expect(report.ok).toBe(false);
    expect(report.breaking.filter((f) => f.surface === PUBLIC_SURFACE)).toEqual([]);
    const dropped = finding(report, 'payments', 'Money.currency')!;
    expect(dropped.problems.join('\n')).toMatch(/removed without a release in which it was @deprecated/);
    expect(dropped.operations).toContain('AppOffsetQuote (app/src/operations.graphql)');
  });

  it('removes a field after a release in which it was deprecated naming its replacement', async () => {
    const path = 'Product.description';
    const api = schemaOf(PUBLIC_SURFACE, currentSdls()[0]!.sdl);
    expect(known.some((op) => coordinatesUsed(api, op).has(path))).toBe(false);
    const removal: Edit = (type, member) => (`${type}.${member}` === path ? null : undefined);
    const deprecation: Edit = (type, member, node) =>
      `${type}.${member}` === path
        ? { ...node, directives: [...(node.directives ?? []), deprecated('Use `Product.name` instead.')] }
        : undefined;
    const onEveryOwner = (edit: Edit) => ({ [PUBLIC_SURFACE]: edit, marketplace: edit });

    // Removing it at once fails, even when listed in the CHANGELOG.
    listInChangelog(root, path);
    const atOnce = await run(onEveryOwner(removal));
    expect(finding(atOnce, PUBLIC_SURFACE, path)!.problems).toEqual([
      expect.stringMatching(/removed without a release in which it was @deprecated/),
    ]);

    // Deprecating it is not breaking; a reason that names no replacement is refused.
    const deprecating = await run(onEveryOwner(deprecation));
    expect(deprecating.ok).toBe(true);
    expect(deprecating.breaking).toEqual([]);
    const vague = await run({
      [PUBLIC_SURFACE]: (type, member, node) =>
        `${type}.${member}` === path ? { ...node, directives: [deprecated('Going away.')] } : undefined,
    });
    expect(vague.problems).toEqual([
      expect.stringMatching(/`Product.description` is deprecated without naming its replacement/),
    ]);

    // A release with the deprecation, then the removal listed in the CHANGELOG passes.
    const deprecated020 = surfacesWith(root, onEveryOwner(deprecation));
    releaseSchemas(
      root,
      '0.2.0',
      deprecated020.map(({ name, sdl }) => ({ name, sdl })),
      '2026-12-01',
    );
    expect(readReleased(root, PUBLIC_SURFACE)!.version).toBe('0.2.0');
    expect(changelogOf(root)).toMatch(
      /## Unreleased\n\n## 0\.2\.0 — 2026-12-01\n\n- `Product\.description` changed\.\n/,
    );
    const unlisted = await run(onEveryOwner(removal));
    expect(unlisted.ok).toBe(false);
    expect(finding(unlisted, PUBLIC_SURFACE, path)!.problems).toEqual([
      expect.stringMatching(/not listed in CHANGELOG.md/),
    ]);
    listInChangelog(root, path);
    const removed = await run(onEveryOwner(removal));
    expect(finding(removed, PUBLIC_SURFACE, path)!.problems).toEqual([]);
    expect(removed.ok).toBe(true);
  });

  it('publishes the released public schema and supergraph, named by the version, and refuses an unreleased schema', () => {
    for (const file of ['api.graphql', 'supergraph.graphql'])
      cpSync(join(ROOT, 'schema', file), join(root, 'schema', file));
    const released = readReleased(root, PUBLIC_SURFACE)!;
    writeFileSync(join(root, 'schema', 'api.graphql'), released.sdl.slice(released.sdl.indexOf('\n') + 1));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ version: released.version }));
    const written = publish(root, join(root, 'artifacts')) as string[];
    expect(written.map((f) => f.slice(root.length))).toEqual([
      `/artifacts/carbon-federation-${released.version}.graphql`,
      `/artifacts/carbon-federation-${released.version}.supergraph.graphql`,
    ]);
    expect(readFileSync(written[0]!, 'utf8')).toBe(readFileSync(join(root, 'schema', 'api.graphql'), 'utf8'));
    writeFileSync(
      join(root, 'schema', 'api.graphql'),
      `${readFileSync(join(root, 'schema', 'api.graphql'), 'utf8')}\nscalar Unreleased\n`,
    );
    expect(publish(root, join(root, 'again'))).toMatch(/is not the released one/);
    writeFileSync(join(root, 'package.json'), JSON.stringify({ version: '9.9.9' }));
    expect(publish(root, join(root, 'again'))).toMatch(/the schema of 9.9.9 is not the released one/);
  });

  it('a release must come after the latest one', () => {
    expect(() => releaseSchemas(root, '0.1.0', [], '2026-12-01')).toThrow(
      /0.1.0 is not after the latest release, 0.1.0/,
    );
    expect(() => releaseSchemas(root, 'next', [], '2026-12-01')).toThrow(/is not a version/);
  });

  it("reads the READMEs' GraphQL blocks and curl bodies, and names an example that is not GraphQL", () => {
    const markdown = [
      'text',
      '  ```graphql',
      '  { products(first: 2) { nodes { name } } }',
      '  ```',
      `curl -d '{"query":"{ me { email } }"}'`,
      '```graphql',
      '{ products(',
      '```',
    ].join('\n');
    const examples = markdownExamples(markdown, 'README.md');
    expect(examples.map((e) => e.source)).toEqual(['README.md:3', 'README.md:5', 'README.md:7']);
    expect(examples[1]!.text).toBe('{ me { email } }');
    const readme = mkdtempSync(join(tmpdir(), 'schema-contract-readme-'));
    try {
      cpSync(join(ROOT, 'subgraphs'), join(readme, 'subgraphs'), {
        recursive: true,
        filter: (src) => !src.includes('__generated__') && (src.endsWith('.md') || !src.includes('.')),
      });
      writeFileSync(join(readme, 'README.md'), markdown);
      const { operations, problems } = knownOperations(readme);
      expect(problems).toEqual([expect.stringMatching(/^README\.md:7: the example is not GraphQL \(Syntax Error/)]);
      expect(operations.filter((op) => op.source.startsWith('README.md')).map((op) => op.source)).toEqual([
        'README.md:3',
        'README.md:5',
      ]);
    } finally {
      rmSync(readme, { recursive: true, force: true });
    }
  });
});
