// The access policies of the subgraphs as one Markdown table (docs/access.md shows it; a test
// keeps it in step with the policies, and `npm run compose` writes it): who sees each type.
import type { AccessPolicy, Audience, TypeAccess } from './access.ts';

const WORDS: Record<Audience, string> = {
  anyone: 'anyone',
  signedIn: 'any signed-in user',
  owner: 'its owner',
  member: 'members of its organization',
  admin: 'admins',
  service: 'services',
};

function describe(access: TypeAccess<never>): string {
  if ('value' in access) return 'with the object it belongs to';
  if ('reference' in access) return `as ${access.reference} decides`;
  const { see, public: pub } = access.object;
  const who = see.map((a) => WORDS[a]).join(', ');
  const publicly = pub
    ? `; ${pub.label ?? 'a public one'} also ${pub.to === 'anyone' ? 'anyone' : 'any signed-in user'}`
    : '';
  const fields = Object.entries(access.fields ?? {}).map(
    ([field, audiences]) => `; \`${field}\`: ${audiences.map((a) => WORDS[a]).join(', ')}`,
  );
  return `${who}${publicly}${fields.join('')}`;
}

/** One row per type and subgraph that declares it, sorted by type. */
export function accessTable(policies: Record<string, AccessPolicy>): string {
  const rows = Object.entries(policies).flatMap(([subgraph, policy]) =>
    Object.entries(policy).map(([type, access]) => ({ type, subgraph, who: describe(access) })),
  );
  rows.sort((a, b) => a.type.localeCompare(b.type) || a.subgraph.localeCompare(b.subgraph));
  return [
    '| type | subgraph | seen by |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| \`${r.type}\` | ${r.subgraph} | ${r.who} |`),
  ].join('\n');
}

export const TABLE_START = '<!-- access table: generated from subgraphs/*/policy.ts by npm run compose -->';
export const TABLE_END = '<!-- end of access table -->';

/** A document with its generated table replaced by `table`. */
export function withAccessTable(document: string, table: string): string {
  const start = document.indexOf(TABLE_START);
  const end = document.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('the document has no access table markers');
  return `${document.slice(0, start + TABLE_START.length)}\n${table}\n${document.slice(end)}`;
}
