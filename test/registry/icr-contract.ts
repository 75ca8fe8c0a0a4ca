// The ICR organization inventory API document as a checklist: the six routes,
// their query parameters, body fields and headers. A call outside it is an invented one.
import type { RecordedCall } from '../../fakes/harness.ts';

const ID = '[^/]+';
const ACTION = '(transfer|retire|transfer_retire|cancel)';
const DOCUMENTED: { method: string; path: RegExp; query: string[]; body: string[] }[] = [
  { method: 'GET', path: new RegExp(`^/organizations/${ID}/inventory$`), query: ['development'], body: [] },
  { method: 'GET', path: new RegExp(`^/organizations/${ID}/inventory/requests$`), query: ['limit', 'page'], body: [] },
  { method: 'GET', path: new RegExp(`^/organizations/${ID}/inventory/requests/${ID}$`), query: [], body: [] },
  {
    method: 'POST',
    path: new RegExp(`^/organizations/${ID}/inventory/action/${ACTION}$`),
    query: [],
    body: ['creditId', 'amount', 'toOrganizationId', 'toAddress', 'retirementData'],
  },
  {
    method: 'POST',
    path: new RegExp(`^/organizations/${ID}/inventory/requests/${ACTION}$`),
    query: [],
    body: ['creditId', 'amount', 'toOrganizationId', 'toAddress', 'retirementData'],
  },
  {
    method: 'POST',
    path: new RegExp(`^/organizations/${ID}/inventory/request/${ID}/review$`),
    query: [],
    body: ['state'],
  },
];
const RETIREMENT_DATA = ['reason', 'beneficiaryName', 'comment'];
/** The document's header, the credential, and what any HTTP client sends. */
const HEADERS = new Set([
  'x-icr-api-version',
  'authorization',
  'accept',
  'content-type',
  'content-length',
  'host',
  'connection',
  'user-agent',
  'accept-encoding',
  'accept-language',
  'sec-fetch-mode',
]);

/** Every way a recorded call leaves the document (empty when it keeps to it). */
export function undocumented(calls: RecordedCall[]): string[] {
  const problems: string[] = [];
  for (const c of calls) {
    const route = DOCUMENTED.find((r) => r.method === c.method && r.path.test(c.path));
    const name = `${c.method} ${c.path}`;
    if (!route) {
      problems.push(`${name}: no such route`);
      continue;
    }
    for (const k of new URLSearchParams(c.query).keys())
      if (!route.query.includes(k)) problems.push(`${name}: query ${k}`);
    for (const h of Object.keys(c.headers)) if (!HEADERS.has(h.toLowerCase())) problems.push(`${name}: header ${h}`);
    const body = c.body && typeof c.body === 'object' ? (c.body as Record<string, unknown>) : {};
    for (const k of Object.keys(body)) if (!route.body.includes(k)) problems.push(`${name}: body ${k}`);
    const data =
      body.retirementData && typeof body.retirementData === 'object'
        ? (body.retirementData as Record<string, unknown>)
        : {};
    for (const k of Object.keys(data))
      if (!RETIREMENT_DATA.includes(k)) problems.push(`${name}: body retirementData.${k}`);
  }
  return [...new Set(problems)];
}
