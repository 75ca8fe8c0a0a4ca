// docs/access.md with its table written from the subgraphs' policies (lib/access-table.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessTable, withAccessTable } from '../lib/access-table.ts';
import { ROOT } from '../lib/paths.ts';
import { policy as footprints } from '../subgraphs/footprints/policy.ts';
import { policy as marketplace } from '../subgraphs/marketplace/policy.ts';
import { policy as payments } from '../subgraphs/payments/policy.ts';
import { policy as registry } from '../subgraphs/registry/policy.ts';
import type { SubgraphName } from '../subgraphs/index.ts';
import type { AccessPolicy } from '../lib/access.ts';

/** Each subgraph's policy (a subgraph listed in subgraphs/index.ts without one is a type error). */
const POLICIES: Record<SubgraphName, AccessPolicy> = { marketplace, payments, registry, footprints };

export function accessDocument(): string {
  return withAccessTable(readFileSync(join(ROOT, 'docs', 'access.md'), 'utf8'), accessTable(POLICIES));
}
