// Who may act for which registry organization: the layer's own record (the `memberships` table of
// the registry database) in both modes, checked before anything is read or sent upstream.
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { isAdmin, type Viewer } from '../../lib/auth.ts';
import type { EntityManager } from '../../lib/db.ts';
import { DomainError, ValidationErrors, forbidden, inputError, unauthenticated } from '../../lib/errors.ts';
import { Membership } from './local/entities.ts';
import type { OrganizationMemberRecord } from './source.ts';

const toMember = (m: Membership): OrganizationMemberRecord => ({
  organizationId: m.organizationId,
  userId: m.userId,
  grantedAt: m.createdAt,
});

export class OrganizationAccess {
  private readonly em: EntityManager;
  private readonly viewer: Viewer | null;
  /** Memberships checked during this request. */
  private readonly memberOf = new Map<string, Promise<boolean>>();

  /** A trusted service acting for itself (it sees every organization, as the access rules say). */
  private readonly service: boolean;

  constructor(em: EntityManager, viewer: Viewer | null, service = false) {
    this.em = em;
    this.viewer = viewer;
    this.service = service;
  }

  me(): Viewer {
    if (!this.viewer) throw unauthenticated();
    return this.viewer;
  }

  isMember(organizationId: string): Promise<boolean> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(false);
    let known = this.memberOf.get(organizationId);
    if (!known) {
      known = this.em
        .fork()
        .count(Membership, { organizationId, userId: viewer.id })
        .then((n) => n > 0);
      this.memberOf.set(organizationId, known);
    }
    return known;
  }

  /** Whether the viewer may see an organization at all (a member or an admin): asked before any read. */
  async maySee(organizationId: string): Promise<boolean> {
    return this.service || isAdmin(this.viewer) || (await this.isMember(organizationId));
  }

  /** Members and admins read, transact, request and review for an organization; anyone else is FORBIDDEN. */
  async assertMayAct(organizationId: string): Promise<Viewer> {
    const viewer = this.me();
    if (isAdmin(viewer) || (await this.isMember(organizationId))) return viewer;
    throw forbidden(`Only members of organization ${organizationId} may use it`);
  }

  private assertAdmin(): void {
    if (!isAdmin(this.me())) throw forbidden('Only admins manage organization access');
  }

  /** Every organization some user may act for (the organizations the layer knows). */
  async organizationsWithMembers(): Promise<string[]> {
    const rows = await this.em
      .fork()
      .find(Membership, {}, { fields: ['organizationId'], orderBy: { organizationId: 'ASC' } });
    return [...new Set(rows.map((m) => m.organizationId))];
  }

  async members(organizationId: string): Promise<OrganizationMemberRecord[]> {
    this.assertAdmin();
    const rows = await this.em
      .fork()
      .find(Membership, { organizationId }, { orderBy: { createdAt: 'ASC', userId: 'ASC' } });
    return rows.map(toMember);
  }

  /** Grants a user access; granting twice returns the first grant. */
  async grant(organizationId: string, userId: string): Promise<OrganizationMemberRecord> {
    this.assertAdmin();
    const user = userId.trim();
    if (!user)
      throw new ValidationErrors([inputError('userId', 'REQUIRED', 'Give the id of the user to grant access to')]);
    const em = this.em.fork();
    const existing = await em.findOne(Membership, { organizationId, userId: user });
    if (existing) return toMember(existing);
    try {
      const row = em.create(Membership, { id: randomUUID(), organizationId, userId: user, createdAt: new Date() });
      await em.flush();
      return toMember(row);
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return toMember(await this.em.fork().findOneOrFail(Membership, { organizationId, userId: user }));
    }
  }

  async revoke(organizationId: string, userId: string): Promise<OrganizationMemberRecord> {
    this.assertAdmin();
    const em = this.em.fork();
    const existing = await em.findOne(Membership, { organizationId, userId: userId.trim() });
    if (!existing)
      throw new DomainError(
        'NOT_FOUND',
        `User ${userId} is not a member of organization ${organizationId}`,
        'input.userId',
      );
    await em.nativeDelete(Membership, { id: existing.id });
    return toMember(existing);
  }
}
