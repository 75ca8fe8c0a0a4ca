// The registry as its own system of record: a ledger of serial-numbered tonnes.
import { randomBytes, randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, raw, type FilterQuery } from '@mikro-orm/core';
import type { Viewer } from '../../../lib/auth.ts';
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
import {
  alreadyReviewedError,
  fingerprint,
  idempotencyMismatchError,
  insufficientBalanceError,
  joinSerializations,
  noOffsetCreditsError,
  notEnoughOffsetCreditsError,
  offsetRetirementFingerprint,
  unknownCreditError,
  unknownOrganizationError,
  unknownRequestError,
} from '../rules.ts';
import type {
  CreditActionCommand,
  CreditRequestRecord,
  OffsetRetirementCommand,
  PuroInventoryFilter,
  PuroInventoryOrder,
  RegistrySource,
  RetirementFilter,
  RetirementRecord,
  ReviewDecision,
  TokenRef,
} from '../source.ts';
import {
  Balance,
  Credit,
  CreditActionKey,
  CreditRequest,
  CreditType,
  OffsetRetirementKey,
  Organization,
  Project,
  PuroInventoryItem,
  Retirement,
  SERVICE_REQUESTER,
  SerialBlock,
  type BlockStatus,
} from './entities.ts';
import { toRecord } from './mapping.ts';
import { OrganizationAccess } from '../access.ts';

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
const newTxId = () => `0x${randomBytes(32).toString('hex')}`;

export class LocalRegistrySource implements RegistrySource {
  private readonly em: EntityManager;
  /** Plain-row reads of the public catalogue (no unit of work), e.g. Puro inventory and NFT credits. */
  private readonly db: Database;
  /** The organization holding the marketplace's offset inventory. */
  private readonly offsetOrganizationId: string;
  /** Who may act for which organization (memberships, admins). */
  private readonly access: OrganizationAccess;

  constructor(db: Database, access: OrganizationAccess, offsetOrganizationId: string) {
    this.db = db;
    this.em = db.fork();
    this.offsetOrganizationId = offsetOrganizationId;
    this.access = access;
  }

  /** Members and admins read an organization; anyone else is refused. */
  private async assertReadable(organizationId: string): Promise<void> {
    await this.access.assertMayAct(organizationId);
  }

  /** Members and admins act for an organization; anyone else is refused. */
  private assertMember(organizationId: string): Promise<Viewer> {
    return this.access.assertMayAct(organizationId);
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

  private async requestRecords(rows: CreditRequest[]): Promise<CreditRequestRecord[]> {
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

  private async retirementRecords(rows: Retirement[]): Promise<RetirementRecord[]> {
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

  // ---- the ledger ----
  //
  // Lock order, the same in every transaction that writes the ledger (two transactions taking the
  // same rows in opposite orders deadlock on PostgreSQL):
  //   1. the idempotency key row (its unique index),
  //   2. balance rows: by credit (oldest vintage, then id), then by organization id,
  //   3. serial blocks and credit request rows, only after the balances that guard them.
  // A review therefore locks its balances before it claims the pending request.

  /** Checks that the credit and the receiving organization exist before anything is written. */
  private async prepare(em: EntityManager, cmd: CreditActionCommand): Promise<Credit> {
    const credit = await em.findOne(Credit, { id: cmd.creditId });
    if (!credit) throw unknownCreditError(cmd.creditId);
    if (cmd.toOrganizationId && !(await em.findOne(Organization, { id: cmd.toOrganizationId })))
      throw unknownOrganizationError(cmd.toOrganizationId);
    return credit;
  }

  /**
   * Moves `amount` tonnes out of the organization's free balance in one conditional update: the
   * row lock it takes also serialises the serial-block split that follows.
   */
  private async debitFree(
    em: EntityManager,
    creditId: string,
    organizationId: string,
    amount: bigint,
    reserve: boolean,
  ): Promise<void> {
    const n = Number(amount);
    const changed = await em.nativeUpdate(
      Balance,
      { creditId, organizationId, heldTonnes: { $gte: amount } },
      reserve
        ? { heldTonnes: raw('held_tonnes - ?', [n]), reservedTonnes: raw('reserved_tonnes + ?', [n]) }
        : { heldTonnes: raw('held_tonnes - ?', [n]) },
    );
    if (changed === 1) return;
    const exists = await em.count(Balance, { creditId, organizationId });
    throw exists ? insufficientBalanceError(amount) : unknownCreditError(creditId);
  }

  /**
   * A transfer between organizations touches two balance rows; taking their row locks in one
   * order (by organization id) keeps transfers crossing in opposite directions from deadlocking.
   */
  private async lockBalancesInOrder(em: EntityManager, creditId: string, organizationIds: string[]): Promise<void> {
    for (const organizationId of [...organizationIds].sort()) {
      await em
        .createQueryBuilder(Balance)
        .insert({ id: randomUUID(), creditId, organizationId, heldTonnes: 0n, reservedTonnes: 0n })
        .onConflict(['creditId', 'organizationId'])
        .ignore()
        .execute();
      await em.nativeUpdate(Balance, { creditId, organizationId }, { heldTonnes: raw('held_tonnes') });
    }
  }

  /** Adds free tonnes to a receiving organization, creating its balance row on first receipt. */
  private async creditFree(em: EntityManager, creditId: string, organizationId: string, amount: bigint): Promise<void> {
    await em
      .createQueryBuilder(Balance)
      .insert({ id: randomUUID(), creditId, organizationId, heldTonnes: 0n, reservedTonnes: 0n })
      .onConflict(['creditId', 'organizationId'])
      .ignore()
      .execute();
    await em.nativeUpdate(
      Balance,
      { creditId, organizationId },
      { heldTonnes: raw('held_tonnes + ?', [Number(amount)]) },
    );
  }

  /**
   * Takes `amount` tonnes from the organization's blocks in `status`, lowest serials first,
   * splitting the last block so that every tonne keeps exactly one serial and one holder.
   */
  private async takeBlocks(
    em: EntityManager,
    creditId: string,
    where: FilterQuery<SerialBlock>,
    amount: bigint,
  ): Promise<SerialBlock[]> {
    const blocks = await em.find(SerialBlock, { creditId, ...(where as object) }, { orderBy: { serialStart: 'ASC' } });
    const taken: SerialBlock[] = [];
    let remaining = amount;
    for (const b of blocks) {
      if (remaining === 0n) break;
      const size = b.serialEnd - b.serialStart + 1n;
      if (size <= remaining) {
        taken.push(b);
        remaining -= size;
      } else {
        const part = em.create(SerialBlock, {
          id: randomUUID(),
          creditId,
          serialStart: b.serialStart,
          serialEnd: b.serialStart + remaining - 1n,
          status: b.status,
          organizationId: b.organizationId ?? null,
          holderAddress: b.holderAddress ?? null,
          requestId: b.requestId ?? null,
          retirementId: b.retirementId ?? null,
        });
        b.serialStart += remaining;
        taken.push(part);
        remaining = 0n;
      }
    }
    // The balance row said the tonnes were there: blocks disagreeing is a broken ledger.
    if (remaining !== 0n)
      throw new Error(`Ledger of credit ${creditId} is inconsistent: ${remaining} t missing from serial blocks`);
    return taken;
  }

  /** Applies an action to blocks already taken from the sender; returns the retirement, if any. */
  private async execute(
    em: EntityManager,
    credit: Credit,
    blocks: SerialBlock[],
    cmd: Pick<
      CreditActionCommand,
      'action' | 'organizationId' | 'toOrganizationId' | 'toAddress' | 'amount' | 'retirement'
    >,
    txId: string,
  ): Promise<Retirement | null> {
    const set = (
      status: BlockStatus,
      organizationId: string | null,
      holderAddress: string | null,
      retirementId: string | null,
    ) => {
      for (const b of blocks)
        Object.assign(b, { status, organizationId, holderAddress, retirementId, requestId: null });
    };
    let retirement: Retirement | null = null;
    if (cmd.retirement) {
      retirement = em.create(Retirement, {
        id: randomUUID(),
        registry: 'ICR',
        offsetOrderId: cmd.retirement.offsetOrderId,
        beneficiaryName: cmd.retirement.beneficiaryName,
        reason: cmd.retirement.reason,
        comment: cmd.retirement.comment,
        amountTonnes: cmd.amount,
        vintage: credit.vintage,
        serialization: joinSerializations(toRecord.ranges(credit, blocks).map((r) => r.serialization)),
        creditId: credit.id,
        projectId: credit.projectId,
        organizationId: cmd.action === 'TRANSFER_RETIRE' ? cmd.toOrganizationId : cmd.organizationId,
        txId,
        retiredAt: new Date(),
      });
    }
    switch (cmd.action) {
      case 'TRANSFER':
        set('HELD', cmd.toOrganizationId, cmd.toAddress, null);
        if (cmd.toOrganizationId) await this.creditFree(em, credit.id, cmd.toOrganizationId, cmd.amount);
        break;
      case 'RETIRE':
        set('RETIRED', cmd.organizationId, null, retirement!.id);
        break;
      case 'TRANSFER_RETIRE':
        set('RETIRED', cmd.toOrganizationId, cmd.toAddress, retirement!.id);
        break;
      case 'CANCEL':
        set('CANCELLED', cmd.organizationId, null, null);
        break;
    }
    return retirement;
  }

  private serializationOf(credit: Credit, blocks: SerialBlock[]) {
    return joinSerializations(toRecord.ranges(credit, blocks).map((r) => r.serialization));
  }

  /**
   * Runs a credit action in one transaction. With an idempotency key, the key row is written first
   * in the same transaction: a concurrent twin hits the unique (organization, key) index and
   * returns the winner's request; the same key with a different input is a user error.
   */
  private async idempotent(
    kind: 'TRANSACT' | 'REQUEST',
    cmd: CreditActionCommand,
    run: (em: EntityManager, requestId: string) => Promise<CreditRequest>,
  ): Promise<CreditRequest> {
    const key = cmd.idempotencyKey;
    const requestHash = fingerprint(kind, cmd);
    const replay = async () => {
      const em = this.em.fork();
      const existing = await em.findOne(CreditActionKey, { organizationId: cmd.organizationId, key: key! });
      if (!existing) return null;
      if (existing.requestHash !== requestHash) throw idempotencyMismatchError();
      return em.findOneOrFail(CreditRequest, { id: existing.creditRequestId });
    };
    if (key) {
      const earlier = await replay();
      if (earlier) return earlier;
    }
    const requestId = randomUUID();
    try {
      return await this.em.fork().transactional(async (em) => {
        if (key)
          await em.insert(CreditActionKey, {
            id: randomUUID(),
            organizationId: cmd.organizationId,
            key,
            requestHash,
            creditRequestId: requestId,
            createdAt: new Date(),
          });
        return run(em, requestId);
      });
    } catch (error) {
      if (key && error instanceof UniqueConstraintViolationException) {
        const winner = await replay();
        if (winner) return winner;
      }
      throw error;
    }
  }

  async transactCredits(cmd: CreditActionCommand) {
    const viewer = await this.assertMember(cmd.organizationId);
    const row = await this.idempotent('TRANSACT', cmd, async (em, requestId) => {
      const credit = await this.prepare(em, cmd);
      if (cmd.action === 'TRANSFER' && cmd.toOrganizationId)
        await this.lockBalancesInOrder(em, credit.id, [cmd.organizationId, cmd.toOrganizationId]);
      await this.debitFree(em, credit.id, cmd.organizationId, cmd.amount, false);
      const blocks = await this.takeBlocks(
        em,
        credit.id,
        { organizationId: cmd.organizationId, status: 'HELD' },
        cmd.amount,
      );
      const txId = newTxId();
      const serial = this.serializationOf(credit, blocks);
      const retirement = await this.execute(em, credit, blocks, cmd, txId);
      return em.create(
        CreditRequest,
        creditRequestRow(requestId, cmd, viewer.id, {
          state: 'PROCESSED',
          creditId: credit.id,
          serialization: serial,
          txId,
          retirementId: retirement?.id ?? null,
        }),
      );
    });
    return (await this.requestRecords([row]))[0]!;
  }

  async requestCreditAction(cmd: CreditActionCommand) {
    const viewer = await this.assertMember(cmd.organizationId);
    const row = await this.idempotent('REQUEST', cmd, async (em, id) => {
      const credit = await this.prepare(em, cmd);
      await this.debitFree(em, credit.id, cmd.organizationId, cmd.amount, true);
      const blocks = await this.takeBlocks(
        em,
        credit.id,
        { organizationId: cmd.organizationId, status: 'HELD' },
        cmd.amount,
      );
      for (const b of blocks) Object.assign(b, { status: 'RESERVED', requestId: id });
      return em.create(
        CreditRequest,
        creditRequestRow(id, cmd, viewer.id, {
          state: 'PENDING',
          creditId: credit.id,
          serialization: this.serializationOf(credit, blocks),
          txId: null,
          retirementId: null,
        }),
      );
    });
    return (await this.requestRecords([row]))[0]!;
  }

  async reviewCreditRequest(organizationId: string, requestId: string, decision: ReviewDecision) {
    const viewer = await this.assertMember(organizationId);
    const row = await this.em.transactional(async (em) => {
      const request = await em.findOne(CreditRequest, { id: requestId, organizationId });
      if (!request) throw unknownRequestError(requestId);
      const now = new Date();
      const state = decision === 'ACCEPTED' ? 'PROCESSED' : 'REJECTED';
      // Balances first, then the request (see the lock order above), for an accept and a reject alike.
      const receiver = decision === 'ACCEPTED' && request.action === 'TRANSFER' ? request.toOrganizationId : null;
      await this.lockBalancesInOrder(em, request.creditId, receiver ? [organizationId, receiver] : [organizationId]);
      // Reviewed once: only the first review finds the request still pending.
      const won = await em.nativeUpdate(
        CreditRequest,
        { id: requestId, state: 'PENDING' },
        { state, reviewedBy: viewer.id, updatedAt: now },
      );
      if (won !== 1) throw alreadyReviewedError(requestId);
      const n = Number(request.amountTonnes);
      const released = await em.nativeUpdate(
        Balance,
        { creditId: request.creditId, organizationId, reservedTonnes: { $gte: request.amountTonnes } },
        decision === 'ACCEPTED'
          ? { reservedTonnes: raw('reserved_tonnes - ?', [n]) }
          : { reservedTonnes: raw('reserved_tonnes - ?', [n]), heldTonnes: raw('held_tonnes + ?', [n]) },
      );
      if (released !== 1)
        throw new Error(
          `Ledger of credit ${request.creditId} is inconsistent: reservation of request ${requestId} missing`,
        );
      const blocks = await this.takeBlocks(
        em,
        request.creditId,
        { requestId, status: 'RESERVED' },
        request.amountTonnes,
      );
      Object.assign(request, { state, reviewedBy: viewer.id, updatedAt: now });
      if (decision === 'REJECTED') {
        for (const b of blocks) Object.assign(b, { status: 'HELD', requestId: null });
        return request;
      }
      const credit = (await em.findOne(Credit, { id: request.creditId }))!;
      const txId = newTxId();
      const retirement = await this.execute(
        em,
        credit,
        blocks,
        {
          action: request.action,
          organizationId,
          toOrganizationId: request.toOrganizationId ?? null,
          toAddress: request.toAddress ?? null,
          amount: request.amountTonnes,
          retirement:
            request.retirementReason && request.beneficiaryName
              ? {
                  reason: request.retirementReason,
                  beneficiaryName: request.beneficiaryName,
                  comment: request.retirementComment ?? '',
                  offsetOrderId: request.offsetOrderId ?? null,
                }
              : null,
        },
        txId,
      );
      Object.assign(request, { txId, retirementId: retirement?.id ?? null });
      return request;
    });
    return (await this.requestRecords([row]))[0]!;
  }

  /**
   * Retires tonnes of one project from the offset inventory in one transaction, oldest vintage
   * first, one RETIRE per credit through the ledger's own path (guarded debit, block split).
   * The key row is written first: a concurrent twin hits the unique (organization, key) index
   * and returns the winner's retirements.
   */
  async retireCreditsForOffsetOrder(cmd: OffsetRetirementCommand): Promise<RetirementRecord[]> {
    const organizationId = this.offsetOrganizationId;
    const requestHash = offsetRetirementFingerprint(cmd);
    const replay = async () => {
      const em = this.em.fork();
      const existing = await em.findOne(OffsetRetirementKey, { organizationId, key: cmd.idempotencyKey });
      if (!existing) return null;
      if (existing.requestHash !== requestHash) throw idempotencyMismatchError();
      const rows = await em.find(Retirement, { id: { $in: existing.retirementIds } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return this.retirementRecords(existing.retirementIds.map((id) => byId.get(id)!));
    };
    const earlier = await replay();
    if (earlier) return earlier;
    let retired: Retirement[];
    try {
      retired = await this.em.fork().transactional(async (em) => {
        const key = em.create(OffsetRetirementKey, {
          id: randomUUID(),
          organizationId,
          key: cmd.idempotencyKey,
          requestHash,
          retirementIds: [],
          createdAt: new Date(),
        });
        await em.flush();
        const credits = await em.find(
          Credit,
          { projectId: cmd.projectId, development: false },
          { orderBy: { vintage: 'ASC', id: 'ASC' } },
        );
        const known = credits.length
          ? await em.find(Balance, { organizationId, creditId: { $in: credits.map((c) => c.id) } })
          : [];
        if (!known.length) throw noOffsetCreditsError(cmd.projectId);
        // Lock the balance rows (oldest credit first, one order for every caller) before reading them.
        const ordered = credits.filter((c) => known.some((b) => b.creditId === c.id));
        for (const c of ordered)
          await em.nativeUpdate(Balance, { creditId: c.id, organizationId }, { heldTonnes: raw('held_tonnes') });
        const free = new Map(
          (
            await em.find(Balance, { organizationId, creditId: { $in: ordered.map((c) => c.id) } }, { refresh: true })
          ).map((b) => [b.creditId, b.heldTonnes]),
        );
        const available = ordered.reduce((sum, c) => sum + (free.get(c.id) ?? 0n), 0n);
        if (available === 0n) throw noOffsetCreditsError(cmd.projectId);
        if (available < cmd.tonnes) throw notEnoughOffsetCreditsError(cmd.tonnes, available);
        const retirements: Retirement[] = [];
        let remaining = cmd.tonnes;
        for (const credit of ordered) {
          if (remaining === 0n) break;
          const held = free.get(credit.id) ?? 0n;
          const amount = held < remaining ? held : remaining;
          if (amount === 0n) continue;
          remaining -= amount;
          const action: CreditActionCommand = {
            organizationId,
            action: 'RETIRE',
            creditId: credit.id,
            amount,
            toOrganizationId: null,
            toAddress: null,
            retirement: {
              reason: cmd.reason,
              beneficiaryName: cmd.beneficiaryName,
              comment: cmd.comment,
              offsetOrderId: cmd.offsetOrderId,
            },
            idempotencyKey: null,
          };
          await this.debitFree(em, credit.id, organizationId, amount, false);
          const blocks = await this.takeBlocks(em, credit.id, { organizationId, status: 'HELD' }, amount);
          const txId = newTxId();
          const serial = this.serializationOf(credit, blocks);
          const retirement = (await this.execute(em, credit, blocks, action, txId))!;
          em.create(
            CreditRequest,
            creditRequestRow(randomUUID(), action, SERVICE_REQUESTER, {
              state: 'PROCESSED',
              creditId: credit.id,
              serialization: serial,
              txId,
              retirementId: retirement.id,
            }),
          );
          retirements.push(retirement);
        }
        key.retirementIds = retirements.map((r) => r.id);
        return retirements;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        const winner = await replay();
        if (winner) return winner;
      }
      throw error;
    }
    return this.retirementRecords(retired);
  }

  // ---- access ----

  organizationMembers(organizationId: string) {
    return this.access.members(organizationId);
  }

  async grantOrganizationAccess(organizationId: string, userId: string) {
    await this.access.members(organizationId); // admins only
    if (!(await this.em.fork().findOne(Organization, { id: organizationId })))
      throw unknownOrganizationError(organizationId, 'input.organizationId');
    return this.access.grant(organizationId, userId);
  }

  revokeOrganizationAccess(organizationId: string, userId: string) {
    return this.access.revoke(organizationId, userId);
  }
}

/** Sums of one credit's ledger, for the invariant issued = held + reserved + retired + cancelled. */
export async function ledgerTotals(em: EntityManager, creditId: string) {
  const credit = await em.findOneOrFail(Credit, { id: creditId });
  const blocks = await em.find(SerialBlock, { creditId });
  const balances = await em.find(Balance, { creditId });
  const sum = (status: BlockStatus) =>
    blocks.filter((b) => b.status === status).reduce((s, b) => s + b.serialEnd - b.serialStart + 1n, 0n);
  const serials = [...blocks].sort((a, b) => (a.serialStart < b.serialStart ? -1 : 1));
  let contiguous = true;
  let next = credit.serialFirst;
  for (const b of serials) {
    if (b.serialStart !== next || b.serialEnd < b.serialStart) contiguous = false;
    next = b.serialEnd + 1n;
  }
  return {
    issued: credit.supplyTonnes,
    held: sum('HELD'),
    reserved: sum('RESERVED'),
    retired: sum('RETIRED'),
    cancelled: sum('CANCELLED'),
    /** Every serial from the first to the last issued is in exactly one block. */
    serialsUnique: contiguous && next === credit.serialFirst + credit.supplyTonnes,
    /** Balance rows agree with the blocks and none is negative. */
    balancesMatch: balances.every(
      (bal) =>
        bal.heldTonnes >= 0n &&
        bal.reservedTonnes >= 0n &&
        bal.heldTonnes ===
          blocks
            .filter((b) => b.status === 'HELD' && b.organizationId === bal.organizationId)
            .reduce((s, b) => s + b.serialEnd - b.serialStart + 1n, 0n) &&
        bal.reservedTonnes ===
          blocks
            .filter((b) => b.status === 'RESERVED' && b.organizationId === bal.organizationId)
            .reduce((s, b) => s + b.serialEnd - b.serialStart + 1n, 0n),
    ),
  };
}

/** A credit request row as recorded for a command: processed at once or pending review. */
function creditRequestRow(
  id: string,
  cmd: CreditActionCommand,
  requestedBy: string,
  outcome: {
    state: 'PROCESSED' | 'PENDING';
    creditId: string;
    serialization: string | null;
    txId: string | null;
    retirementId: string | null;
  },
) {
  const now = new Date();
  return {
    id,
    organizationId: cmd.organizationId,
    action: cmd.action,
    amountTonnes: cmd.amount,
    toOrganizationId: cmd.toOrganizationId,
    toAddress: cmd.toAddress,
    retirementReason: cmd.retirement?.reason ?? null,
    retirementComment: cmd.retirement?.comment ?? null,
    beneficiaryName: cmd.retirement?.beneficiaryName ?? null,
    offsetOrderId: cmd.retirement?.offsetOrderId ?? null,
    requestedBy,
    reviewedBy: null,
    createdAt: now,
    updatedAt: now,
    ...outcome,
  };
}
