// The schema as a contract. The composed public schema and each subgraph's SDL are compared with
// the last released ones (schema/released/, written by `npm run schema:release`) by GraphQL
// Inspector; a breaking change passes only when no operation clients are known to send is
// affected, it is listed in CHANGELOG.md's Unreleased entry and, for a removal, the removed element
// was deprecated (with a reason naming its replacement) in the released schema.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CriticalityLevel, diff, DiffRule, type Change } from '@graphql-inspector/core';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  print,
  specifiedRules,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

/** The public schema's name among the surfaces; the others are the subgraphs'. */
export const PUBLIC_SURFACE = 'api';
export const RELEASED_DIR = join('schema', 'released');
export const CHANGELOG = 'CHANGELOG.md';

/** An operation a client is known to send, with the fragments it spreads. */
export interface KnownOperation {
  name: string;
  /** Where it is written: a file, and a line for examples in prose. */
  source: string;
  document: DocumentNode;
}

/** One schema under contract: the public API or a subgraph, as it is now and as last released. */
export interface Surface {
  name: string;
  current: GraphQLSchema;
  /** Null when this surface has never been released (a new subgraph): every element is new. */
  released: GraphQLSchema | null;
}

export interface Finding {
  surface: string;
  change: Change;
  /** Why the change may not land as it is; empty when it may. */
  problems: string[];
  /** Known operations the change breaks, as `Name (source)`. */
  operations: string[];
}

export interface ContractReport {
  breaking: Finding[];
  dangerous: { surface: string; change: Change }[];
  /** Problems that are not about one change: invalid known operations, deprecations without a replacement. */
  problems: string[];
  ok: boolean;
}

// --- known operations -------------------------------------------------------------------------

/** The trusted-documents manifest, the offset page's operations and the examples of the READMEs and docs/. */
export const OPERATION_SOURCES = {
  manifest: join('test', '__generated__', 'client', 'persisted-documents.json'),
  page: join('app', 'src', 'operations.graphql'),
};

/** Each operation of a document, alone with the fragments it spreads (directly or not). */
export function operationsOf(document: DocumentNode, source: string): KnownOperation[] {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const spreadIn = (node: DefinitionNode) => {
    const names: string[] = [];
    visit(node, { FragmentSpread: (s) => void names.push(s.name.value) });
    return names;
  };
  return document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => {
      const used = new Map<string, FragmentDefinitionNode>();
      const pending = spreadIn(operation);
      for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
        const fragment = fragments.get(name);
        if (!fragment || used.has(name)) continue;
        used.set(name, fragment);
        pending.push(...spreadIn(fragment));
      }
      return {
        name: operation.name?.value ?? 'anonymous',
        source,
        document: { kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] },
      };
    });
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/**
 * The GraphQL examples of a Markdown file: ```graphql blocks (indented ones too), the `"query"`
 * of JSON bodies (curl examples) and the code in the last cell of a table whose last column is
 * "example". An example that is not GraphQL is an error.
 */
export function markdownExamples(markdown: string, file: string): { source: string; text: string }[] {
  const examples: { source: string; text: string; at: number }[] = [];
  for (const m of markdown.matchAll(/^([ \t]*)```graphql\n([\s\S]*?)^\1```/gm)) {
    examples.push({ source: `${file}:${lineAt(markdown, m.index) + 1}`, text: m[2]!, at: m.index });
  }
  for (const m of markdown.matchAll(/"query":"((?:[^"\\]|\\.)*)"/g)) {
    examples.push({
      source: `${file}:${lineAt(markdown, m.index)}`,
      text: JSON.parse(`"${m[1]}"`) as string,
      at: m.index,
    });
  }
  // The last cell of a table whose header names an "example" column: its code spans.
  let exampleTable = false;
  let at = 0;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) exampleTable = false;
    else if (/^\|[\s-|]+\|$/.test(line)) {
      // the header's separator row
    } else if (!exampleTable && /\|\s*example\s*\|\s*$/i.test(line)) exampleTable = true;
    else if (exampleTable) {
      const cell = line.slice(line.lastIndexOf('|', line.length - 2) + 1, -1);
      for (const span of cell.matchAll(/`([^`]+)`/g))
        examples.push({ source: `${file}:${lineAt(markdown, at)}`, text: span[1]!, at: at + 1 });
    }
    at += line.length + 1;
  }
  return examples.sort((a, b) => a.at - b.at).map(({ source, text }) => ({ source, text }));
}

/** Every operation clients are known to send, read from the repository at `root`; unparsable examples are errors. */
export function knownOperations(root: string): { operations: KnownOperation[]; problems: string[] } {
  const operations: KnownOperation[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const add = (text: string, source: string) => {
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (error) {
      problems.push(`${source}: the example is not GraphQL (${(error as Error).message})`);
      return;
    }
    for (const operation of operationsOf(document, source)) {
      // The manifest repeats the page's operations (printed its own way): each is reported once, under its own file.
      const key = operation.name === 'anonymous' ? print(operation.document) : operation.name;
      if (seen.has(key)) continue;
      seen.add(key);
      operations.push(operation);
    }
  };
  const page = join(root, OPERATION_SOURCES.page);
  if (existsSync(page)) add(readFileSync(page, 'utf8'), OPERATION_SOURCES.page);
  const manifest = join(root, OPERATION_SOURCES.manifest);
  if (existsSync(manifest)) {
    for (const text of Object.values(JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string>))
      add(text, OPERATION_SOURCES.manifest);
  }
  const readmes = [
    'README.md',
    ...readdirSync(join(root, 'subgraphs'))
      .map((name) => join('subgraphs', name, 'README.md'))
      .filter((file) => existsSync(join(root, file))),
    ...(existsSync(join(root, 'docs'))
      ? readdirSync(join(root, 'docs'))
          .filter((name) => name.endsWith('.md'))
          .map((name) => join('docs', name))
      : []),
  ];
  for (const file of readmes.filter((f) => existsSync(join(root, f)))) {
    for (const example of markdownExamples(readFileSync(join(root, file), 'utf8'), file))
      add(example.text, example.source);
  }
  return { operations, problems };
}

// --- what an operation uses -------------------------------------------------------------------

/** Adds an input type and everything reachable from it: a variable of that type may set any of it. */
function addInputType(type: GraphQLNamedType, used: Set<string>): void {
  if (used.has(type.name)) return;
  used.add(type.name);
  if (isEnumType(type)) for (const value of type.getValues()) used.add(`${type.name}.${value.name}`);
  if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      used.add(`${type.name}.${field.name}`);
      addInputType(getNamedType(field.type), used);
    }
  }
}

/**
 * The schema coordinates an operation depends on, in GraphQL Inspector's path form: types
 * (`Type`), fields (`Type.field`), arguments given (`Type.field.arg`), input fields
 * (`Input.field`) and enum values (`Enum.VALUE`). Input types reached through a variable count
 * whole; literals count the fields they set. Unknown names (an operation newer than the schema)
 * are skipped.
 */
export function coordinatesUsed(schema: GraphQLSchema, operation: KnownOperation): Set<string> {
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const useOutput = (type: GraphQLNamedType | null | undefined) => {
    if (!type) return;
    used.add(type.name);
    if (isEnumType(type)) for (const value of type.getValues()) used.add(`${type.name}.${value.name}`);
  };
  visit(
    operation.document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition: () => useOutput(typeInfo.getType() ? getNamedType(typeInfo.getType()) : null),
      VariableDefinition(node) {
        let type = node.type;
        while (type.kind !== Kind.NAMED_TYPE) type = type.type;
        const named = schema.getType(type.name.value);
        if (named) addInputType(named, used);
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || !typeInfo.getFieldDef()) return;
        used.add(`${parent.name}.${node.name.value}`);
        useOutput(getNamedType(typeInfo.getType()));
      },
      Argument(node) {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        const argument = typeInfo.getArgument();
        if (!field || !parent || !argument) return;
        used.add(`${parent.name}.${field.name}.${node.name.value}`);
        used.add(getNamedType(argument.type).name);
      },
      ObjectField(node) {
        const parent = typeInfo.getParentInputType();
        const named = parent ? getNamedType(parent) : null;
        if (named && isInputObjectType(named) && named.getFields()[node.name.value]) {
          used.add(named.name);
          used.add(`${named.name}.${node.name.value}`);
          const fieldType = getNamedType(named.getFields()[node.name.value]!.type);
          used.add(fieldType.name);
        }
      },
      EnumValue(node) {
        const type = typeInfo.getInputType();
        const named = type ? getNamedType(type) : null;
        if (named && isEnumType(named)) used.add(`${named.name}.${node.value}`);
      },
      InlineFragment(node) {
        if (node.typeCondition) used.add(node.typeCondition.name.value);
      },
      FragmentDefinition(node) {
        used.add(node.typeCondition.name.value);
      },
    }),
  );
  return used;
}

/** Changes that add a requirement to their parent (a required argument or input field). */
const ADDITIONS = new Set(['FIELD_ARGUMENT_ADDED', 'INPUT_FIELD_ADDED']);

/** Whether a change breaks an operation that depends on these coordinates. */
export function affects(change: Change, used: Set<string>): boolean {
  if (!change.path) return true;
  if (used.has(change.path)) return true;
  const parent = change.path.slice(0, change.path.lastIndexOf('.'));
  return ADDITIONS.has(change.type) && parent !== '' && used.has(parent);
}

// --- deprecation ------------------------------------------------------------------------------

/** Changes that remove an element a client may name: allowed only after it was deprecated in a release. */
const REMOVALS = new Set(['FIELD_REMOVED', 'ENUM_VALUE_REMOVED', 'INPUT_FIELD_REMOVED', 'FIELD_ARGUMENT_REMOVED']);

interface Element {
  deprecationReason?: string | null;
}

/** The element a schema coordinate in path form (`Type`, `Type.member`, `Type.field.arg`) names. */
export function elementAt(schema: GraphQLSchema, path: string): Element | GraphQLNamedType | undefined {
  const [typeName, member, argument] = path.split('.');
  const type = schema.getType(typeName!);
  if (!type || member === undefined) return type ?? undefined;
  if (isEnumType(type)) return type.getValue(member) ?? undefined;
  if (isObjectType(type) || isInterfaceType(type)) {
    const field = type.getFields()[member];
    return argument === undefined ? field : field?.args.find((a) => a.name === argument);
  }
  if (isInputObjectType(type)) return type.getFields()[member];
  return undefined;
}

/** Every deprecated element of a schema, by coordinate, with its reason. */
export function deprecations(schema: GraphQLSchema): Map<string, string> {
  const found = new Map<string, string>();
  const note = (coordinate: string, element: Element) => {
    if (element.deprecationReason != null) found.set(coordinate, element.deprecationReason);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isEnumType(type)) for (const value of type.getValues()) note(`${type.name}.${value.name}`, value);
    if (isInputObjectType(type))
      for (const field of Object.values(type.getFields())) note(`${type.name}.${field.name}`, field);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        note(`${type.name}.${field.name}`, field);
        for (const arg of field.args) note(`${type.name}.${field.name}.${arg.name}`, arg);
      }
    }
  }
  return found;
}

/**
 * Whether a deprecation reason names its replacement: a name in backticks that the schema has, as
 * `Type`, `Type.member` (`Type.field.arg`), or a member of the deprecated element's own type.
 */
export function namesReplacement(schema: GraphQLSchema, coordinate: string, reason: string): boolean {
  const typeName = coordinate.split('.')[0]!;
  for (const [, name] of reason.matchAll(/`([A-Za-z_][\w.]*)`/g)) {
    const target = name!.includes('.') || schema.getType(name!) ? name! : `${typeName}.${name}`;
    if (target !== coordinate && elementAt(schema, target)) return true;
  }
  return false;
}

// --- the CHANGELOG ----------------------------------------------------------------------------

const RELEASE_HEADING = /^## (\d+\.\d+\.\d+)\b.*$/m;

/** The text of the Unreleased entry: what the next release will say. */
export function unreleasedEntry(changelog: string): string {
  const match = /^## Unreleased[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(changelog);
  return match ? match[1]! : '';
}

/** The newest released version the CHANGELOG names. */
export function latestRelease(changelog: string): string | null {
  return RELEASE_HEADING.exec(changelog)?.[1] ?? null;
}

/** Whether a change's coordinate is listed (in backticks) in the Unreleased entry. */
export const listedIn = (entry: string, path: string) => entry.includes(`\`${path}\``);

// --- the check --------------------------------------------------------------------------------

const describeOperation = (op: KnownOperation) => `${op.name} (${op.source})`;

/** Known operations that the current public schema no longer validates (or never did). */
function invalidOperations(schema: GraphQLSchema, operations: KnownOperation[]): string[] {
  return operations.flatMap((op) =>
    validate(schema, op.document, specifiedRules).map(
      (e) => `${describeOperation(op)} is not valid against the schema: ${e.message}`,
    ),
  );
}

export async function checkContract(input: {
  surfaces: Surface[];
  operations: KnownOperation[];
  changelog: string;
}): Promise<ContractReport> {
  const { surfaces, operations, changelog } = input;
  const api = surfaces.find((s) => s.name === PUBLIC_SURFACE);
  if (!api) throw new Error(`no ${PUBLIC_SURFACE} surface`);
  const entry = unreleasedEntry(changelog);
  // What each operation depends on, read where it was valid: the released public schema.
  const usage = operations.map((op) => ({ op, used: coordinatesUsed(api.released ?? api.current, op) }));
  const report: ContractReport = {
    breaking: [],
    dangerous: [],
    problems: invalidOperations(api.current, operations),
    ok: true,
  };

  for (const surface of surfaces) {
    for (const [coordinate, reason] of deprecations(surface.current)) {
      if (namesReplacement(surface.current, coordinate, reason)) continue;
      const problem = `\`${coordinate}\` is deprecated without naming its replacement: @deprecated(reason: "Use \`<field>\` instead.")`;
      if (!report.problems.includes(problem)) report.problems.push(problem);
    }
    if (!surface.released) continue;
    const changes = await diff(surface.released, surface.current, [DiffRule.ignoreDescriptionChanges]);
    for (const change of changes) {
      if (change.criticality.level === CriticalityLevel.Dangerous)
        report.dangerous.push({ surface: surface.name, change });
      if (change.criticality.level !== CriticalityLevel.Breaking) continue;
      const problems: string[] = [];
      const affected = usage.filter(({ used }) => affects(change, used)).map(({ op }) => describeOperation(op));
      if (affected.length) problems.push(`breaks ${affected.length} known operation(s): ${affected.join(', ')}`);
      if (REMOVALS.has(change.type) && change.path) {
        const removed = elementAt(surface.released, change.path) as Element | undefined;
        if (removed?.deprecationReason == null)
          problems.push(
            'removed without a release in which it was @deprecated: deprecate it (naming its replacement), release, then remove it',
          );
      }
      if (!change.path || !listedIn(entry, change.path))
        problems.push(`not listed in ${CHANGELOG}'s Unreleased entry (write \`${change.path ?? change.type}\` there)`);
      report.breaking.push({ surface: surface.name, change, problems, operations: affected });
    }
  }
  report.ok = report.problems.length === 0 && report.breaking.every((f) => f.problems.length === 0);
  return report;
}

/** The report as the check prints it. */
export function formatReport(report: ContractReport, against: string): string {
  const lines = [`schema check against ${against}`];
  for (const f of report.breaking) {
    lines.push(
      `${f.problems.length ? '✗' : '✓'} breaking (${f.surface}) ${f.change.type} ${f.change.path ?? ''}: ${f.change.message}`,
    );
    for (const problem of f.problems) lines.push(`    ${problem}`);
  }
  for (const d of report.dangerous)
    lines.push(
      `! dangerous (${d.surface}) ${d.change.type} ${d.change.path ?? ''}: ${d.change.message}${d.change.criticality.reason ? ` (${d.change.criticality.reason})` : ''}`,
    );
  for (const problem of report.problems) lines.push(`✗ ${problem}`);
  const failing = report.breaking.filter((f) => f.problems.length).length + report.problems.length;
  lines.push(
    report.ok
      ? `schema check passed: ${report.breaking.length} breaking change(s) accepted, ${report.dangerous.length} dangerous`
      : `schema check failed: ${failing} problem(s); see docs/schema.md`,
  );
  return lines.join('\n');
}

// --- released snapshots -----------------------------------------------------------------------

const HEADER = (version: string) =>
  `# The schema as released in carbon-federation ${version}, written by npm run schema:release; never edit it by hand.\n`;

/** The released SDL of a surface and its version, or null when it was never released. */
export function readReleased(root: string, surface: string): { version: string; sdl: string } | null {
  const path = join(root, RELEASED_DIR, `${surface}.graphql`);
  if (!existsSync(path)) return null;
  const sdl = readFileSync(path, 'utf8');
  const version = /^# The schema as released in carbon-federation (\S+),/.exec(sdl)?.[1];
  if (!version)
    throw new Error(`${relative(root, path)} has no release header: it is written by npm run schema:release`);
  return { version, sdl };
}

/**
 * Makes the current schemas the released ones: writes each surface's SDL under schema/released/
 * and turns the CHANGELOG's Unreleased entry into the entry of `version`, with a new empty one above.
 */
export function releaseSchemas(
  root: string,
  version: string,
  sdls: { name: string; sdl: string }[],
  date: string,
): void {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`${version} is not a version (major.minor.patch)`);
  const changelogPath = join(root, CHANGELOG);
  const changelog = readFileSync(changelogPath, 'utf8');
  const latest = latestRelease(changelog);
  if (latest && !isAfter(version, latest)) throw new Error(`${version} is not after the latest release, ${latest}`);
  if (!/^## Unreleased/m.test(changelog)) throw new Error(`${CHANGELOG} has no "## Unreleased" entry`);
  const entry = unreleasedEntry(changelog).trim();
  const released = `## Unreleased\n\n## ${version} — ${date}\n\n${entry || 'No change to the schema.'}\n\n`;
  writeFileSync(
    changelogPath,
    changelog.replace(/^## Unreleased[^\n]*\n[\s\S]*?(?=^## |(?![\s\S]))/m, () => released),
  );
  for (const { name, sdl } of sdls) writeFileSync(join(root, RELEASED_DIR, `${name}.graphql`), HEADER(version) + sdl);
}

function isAfter(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return x![i]! > y![i]!;
  return false;
}
