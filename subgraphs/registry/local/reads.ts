// Reads of the local registry: organizations' holdings and credit requests (for their members and
// admins), and the public catalogue (Puro inventory, retirements, credit types, projects, NFT credits).
import { alignByKey } from '../../../lib/batch.ts';
import {
  byCreation,
  keysetPage,
  keysetSlice,
  ormOrderBy,
  withNodes,
  type ConnectionArgs,
  type SortDirection,
  type SortKey,
} from '../../../lib/connection.ts';
import type { Database, EntityManager } from '../../../lib/db.ts';
import { keysetRows, readerOf, rowsByIds, rowsWhere, type RowFilter } from '../../../lib/rows.ts';
import type { FilterQuery } from '@mikro-orm/core';
import type { OrganizationAccess } from '../access.ts';
import type {
  CreditRequestRecord,
  PuroInventoryFilter,
  PuroInventoryOrder,
  RetirementFilter,
  RetirementRecord,
  TokenRef,
} from '../source.ts';
import {
  Balance,
  Credit,
  CreditRequest,
  CreditType,
  Organization,
  Project,
  PuroInventoryItem,
  Retirement,
  SerialBlock,
} from './entities.ts';
import { toRecord } from './mapping.ts';

/** The Puro inventory's first sort key for each `orderBy.field` (the id breaks ties). */
const PURO_ORDER: Record<PuroInventoryOrder['field'], (direction: SortDirection) => SortKey<PuroInventoryItem>> = {
  VINTAGE: (direction) => ({ field: 'vintage', direction, kind: 'integer', of: (item) => item.vintage }),
  QUANTITY: (direction) => ({ field: 'quantityTonnes', direction, kind: 'bigint', of: (item) => item.quantityTonnes }),
  CREDIT_TYPE_CODE: (direction) => ({
    field: 'creditTypeCode',
    direction,
    kind: 'string',
    of: (item) => item.creditTypeCode,
  }),
};
const tokenKey = (t: TokenRef) => `${t.tokenAddress.toLowerCase()}|${t.tokenId}`;

export class LocalRegistryReads {
  private readonly em: EntityManager;
  /** Plain-row reads of the public catalogue (no unit of work), e.g. Puro inventory and NFT credits. */
  private readonly db: Database;
  /** Who may act for which organization (memberships, admins). */
  private readonly access: OrganizationAccess;

  constructor(db: Database, em: EntityManager, access: OrganizationAccess) {
    this.db = db;
    this.em = em;
    this.access = access;
  }

  /** Members and admins read an organization; anyone else is refused. */
  private async assertReadable(organizationId: string): Promise<void> {
    await this.access.assertMayAct(organizationId);
  }

  async organization(id: string) {
    // One the caller may not see is answered as absent.
    if (!(await this.access.maySee(id))) return null;
    const org = await this.em.findOne(Organization, { id });
    return org && { id: org.id, name: org.name };
  }

  async inventory(organizationId: string, development: boolean, args: ConnectionArgs) {
    await this.assertReadable(organizationId);
    const balances = await this.em.find(Balance, { organizationId, heldTonnes: { $gt: 0n } });
    const credits = await this.em.find(Credit, { id: { $in: balances.map((b) => b.creditId) }, development });
    const page = keysetSlice(credits, args, {
      list: 'CreditHolding',
      keys: [
        { field: 'vintage', direction: 'ASC', kind: 'integer', of: (c) => c.vintage },
        { field: 'id', direction: 'ASC', kind: 'string', of: (c) => c.id },
      ],
    });
    const ids = page.nodes.map((c) => c.id);
    const [blocks, projects] = await Promise.all([
      this.em.find(SerialBlock, { creditId: { $in: ids }, organizationId, status: 'HELD' }),
      this.projectMap(page.nodes.map((c) => c.projectId)),
    ]);
    const held = new Map(balances.map((b) => [b.creditId, b.heldTonnes]));
    const rows = page.nodes.map((c) => ({
      ...toRecord.icrCredit(
        c,
        projects.get(c.projectId) ?? null,
        organizationId,
        held.get(c.id)!,
        blocks.filter((b) => b.creditId === c.id),
      ),
      organizationId,
    }));
    return withNodes(page, rows);
  }

  private async projectMap(ids: (string | null)[]) {
    const rows = await rowsByIds(this.db, readerOf(this.db, Project), [
      ...new Set(ids.filter((id): id is string => id !== null)),
    ]);
    return new Map(rows.map((p) => [p.id, toRecord.project(p)]));
  }

  /** Credit request rows as records, with their credits and projects (two reads for any number). */
  async requestRecords(rows: CreditRequest[]): Promise<CreditRequestRecord[]> {
    const credits = rows.length
      ? await this.em.find(Credit, { id: { $in: [...new Set(rows.map((r) => r.creditId))] } })
      : [];
    const creditById = new Map(credits.map((c) => [c.id, c]));
    const projects = await this.projectMap(credits.map((c) => c.projectId));
    return rows.map((r) => {
      const c = creditById.get(r.creditId) ?? null;
      return toRecord.creditRequest(r, c, c ? (projects.get(c.projectId) ?? null) : null);
    });
  }

  async creditRequests(organizationId: string, args: ConnectionArgs) {
    await this.assertReadable(organizationId);
    const page = keysetPage(args, byCreation<CreditRequest>('CreditRequest'));
    const rows = await this.em.find(
      CreditRequest,
      { $and: [{ organizationId }, page.where] },
      { orderBy: ormOrderBy(page), limit: page.take },
    );
    const connection = page.connection(rows, await this.em.count(CreditRequest, { organizationId }));
    return withNodes(connection, await this.requestRecords(connection.nodes));
  }

  async creditRequest(organizationId: string, requestId: string) {
    await this.assertReadable(organizationId);
    const row = await this.em.findOne(CreditRequest, { id: requestId, organizationId });
    return row ? (await this.requestRecords([row]))[0]! : null;
  }

  async puroInventory(filter: PuroInventoryFilter, order: PuroInventoryOrder, args: ConnectionArgs, totalCount = true) {
    const where: FilterQuery<PuroInventoryItem> = {
      ...(filter.creditTypeCode ? { creditTypeCode: filter.creditTypeCode } : {}),
      ...(filter.countryCode ? { countryCode: filter.countryCode } : {}),
      ...(filter.productionFacilityId ? { productionFacilityId: filter.productionFacilityId } : {}),
      ...(filter.issuanceId ? { issuanceId: filter.issuanceId } : {}),
      ...(filter.vintage != null ? { vintage: filter.vintage } : {}),
    };
    const first = PURO_ORDER[order.field](order.direction);
    const page = keysetPage<PuroInventoryItem>(args, {
      list: 'PuroInventory',
      keys: [first, { field: 'id', direction: 'ASC', kind: 'string', of: (item) => item.id }],
    });
    const connection = await keysetRows(
      this.db,
      readerOf(this.db, PuroInventoryItem),
      where as RowFilter,
      page,
      totalCount,
    );
    return withNodes(connection, connection.nodes.map(toRecord.puroItem));
  }

  /** Retirement rows as records, with their projects. */
  async retirementRecords(rows: Retirement[]): Promise<RetirementRecord[]> {
    const projects = await this.projectMap(rows.map((r) => r.projectId ?? null));
    return rows.map((r) => toRecord.retirement(r, r.projectId ? (projects.get(r.projectId) ?? null) : null));
  }

  async retirements(filter: RetirementFilter, args: ConnectionArgs) {
    const where: FilterQuery<Retirement> = {
      ...(filter.registry ? { registry: filter.registry } : {}),
      ...(filter.offsetOrderId ? { offsetOrderId: filter.offsetOrderId } : {}),
    };
    const page = keysetPage<Retirement>(args, {
      list: 'Retirement',
      keys: [
        { field: 'registry', direction: 'ASC', kind: 'string', of: (r) => r.registry },
        { field: 'retiredAt', direction: 'DESC', kind: 'date', of: (r) => r.retiredAt },
        { field: 'id', direction: 'DESC', kind: 'string', of: (r) => r.id },
      ],
    });
    const rows = await this.em.find(
      Retirement,
      { $and: [where, page.where] },
      { orderBy: ormOrderBy(page), limit: page.take },
    );
    const connection = page.connection(rows, await this.em.count(Retirement, where));
    return withNodes(connection, await this.retirementRecords(connection.nodes));
  }

  async creditTypes(args: ConnectionArgs) {
    const page = keysetPage<CreditType>(args, {
      list: 'CreditType',
      keys: [{ field: 'code', direction: 'ASC', kind: 'string', of: (t) => t.code }],
    });
    const rows = await this.em.find(CreditType, page.where, { orderBy: ormOrderBy(page), limit: page.take });
    const connection = page.connection(rows, await this.em.count(CreditType, {}));
    return withNodes(connection, connection.nodes.map(toRecord.creditType));
  }

  async creditsByTokens(tokens: readonly TokenRef[]) {
    const credits = await rowsWhere(this.db, readerOf(this.db, Credit), {
      $or: tokens.map((t) => ({ tokenAddress: t.tokenAddress, tokenId: t.tokenId })),
    });
    const ids = credits.map((c) => c.id);
    const [blocks, projects] = await Promise.all([
      ids.length
        ? rowsWhere(this.db, readerOf(this.db, SerialBlock), {
            creditId: { $in: ids },
            status: { $in: ['HELD', 'RESERVED'] },
          })
        : Promise.resolve([]),
      this.projectMap(credits.map((c) => c.projectId)),
    ]);
    const records = credits.map((c) => {
      const held = blocks
        .filter((b) => b.creditId === c.id)
        .reduce((sum, b) => sum + b.serialEnd - b.serialStart + 1n, 0n);
      return toRecord.icrCredit(c, projects.get(c.projectId) ?? null, null, held, []);
    });
    return alignByKey(tokens.map(tokenKey), records, (r) =>
      tokenKey({ tokenAddress: r.tokenAddress!, tokenId: r.tokenId! }),
    );
  }

  async retirementsByOffsetOrders(offsetOrderIds: readonly string[]) {
    const rows = await this.em.find(
      Retirement,
      { offsetOrderId: { $in: [...offsetOrderIds] } },
      { orderBy: { registry: 'ASC', retiredAt: 'DESC', id: 'DESC' } },
    );
    const records = await this.retirementRecords(rows);
    return offsetOrderIds.map((id) => records.filter((r) => r.offsetOrderId === id));
  }

  async projectsByIds(ids: readonly string[]) {
    const rows = await this.em.find(Project, { id: { $in: [...ids] } });
    return alignByKey(ids, rows.map(toRecord.project), (p) => p.id);
  }

  async creditTypesByCodes(codes: readonly string[]) {
    const rows = await this.em.find(CreditType, { code: { $in: [...codes] } });
    return alignByKey(codes, rows.map(toRecord.creditType), (t) => t.code);
  }
}
