// Who may follow an organization's credit requests is the CreditRequest rule of the registry's
// policy, asked, not restated: the same callers as the rule, and a changed rule changes them.
import { describe, expect, it } from '@jest/globals';
import { ANONYMOUS, type AuthState, type Role } from '../../lib/auth.ts';
import { creditRequestRule, policy } from '../../subgraphs/registry/policy.ts';
import { mayFollow } from '../../subgraphs/registry/resolvers/live.ts';

const ORG = 'org-1';
const caller = (role: Role | 'service' | null, member = false) => {
  const auth: AuthState =
    role === 'service'
      ? { ...ANONYMOUS, service: true }
      : role
        ? { ...ANONYMOUS, viewer: { id: `${role}-1`, email: `${role}@example.test`, role, scopes: [] } }
        : ANONYMOUS;
  return { auth, memberOf: async (organizationId: string) => member && organizationId === ORG };
};
const CALLERS = {
  anonymous: caller(null),
  member: caller('USER', true),
  nonMember: caller('USER'),
  admin: caller('ADMIN'),
  service: caller('service'),
};
const followers = async (rule?: Parameters<typeof mayFollow>[2]) => {
  const may: string[] = [];
  for (const [name, ctx] of Object.entries(CALLERS)) if (await mayFollow(ctx, ORG, rule)) may.push(name);
  return may;
};

describe('who may follow credit requests', () => {
  it("is the policy's CreditRequest rule", async () => {
    expect(policy.CreditRequest).toEqual({ object: creditRequestRule });
    expect(await followers()).toEqual(['member', 'admin', 'service']);
  });

  it('changes with the rule', async () => {
    expect(await followers({ ...creditRequestRule, see: ['admin'] })).toEqual(['admin']);
    expect(await followers({ ...creditRequestRule, see: ['signedIn'] })).toEqual(['member', 'nonMember', 'admin']);
    expect(await followers({ ...creditRequestRule, organization: () => 'another-org' })).toEqual(['admin', 'service']);
  });
});
