import { describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import { createLogger, maskSecrets } from '../../lib/logger.ts';

const IBAN = 'DE89370400440532013000';
const EMAIL = 'alice@buyer.example';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

/** The lines a logger writes, as text. */
function capture(): { lines: string[]; stream: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) } };
}

describe('logger', () => {
  it('masks IBANs (grouped or not), emails and bearer tokens in any text', () => {
    const masked = maskSecrets(`pay ${IBAN} or DE89 3704 0044 0532 0130 00 for ${EMAIL} with Bearer ${JWT} and ${JWT}`);
    expect(masked).toBe('pay [iban] or [iban] for [email] with Bearer [redacted] and [token]');
    expect(maskSecrets('order de050000-0000-4000-8000-000000000001 costs 325.00 EUR')).toBe(
      'order de050000-0000-4000-8000-000000000001 costs 325.00 EUR',
    );
  });

  it('a failing subrequest logged with its bodies shows neither the IBAN, the holder, the email nor the token', () => {
    const { lines, stream } = capture();
    const log = createLogger('gateway', 'info', stream);
    const body = JSON.stringify({
      query: 'mutation($i: CreateBankAccountInput!) { createBankAccount(input: $i) { id } }',
      variables: { i: { holderName: 'Alice Buyer', iban: IBAN } },
    });
    const error = new GraphQLError(`Unexpected response for ${EMAIL}`, {
      path: ['createBankAccount'],
      extensions: {
        code: 'SUBREQUEST_HTTP_ERROR',
        serviceName: 'payments',
        request: { method: 'POST', body, headers: { authorization: `Bearer ${JWT}` } },
        response: { status: 500, body: `no account ${IBAN}` },
      },
    });
    log.error(error);
    log.error({ err: error, variables: { iban: IBAN } }, `subrequest of ${EMAIL} failed`);
    log.error({ detail: `token ${JWT}` }, 'subrequest failed for %s', EMAIL);
    const output = lines.join('');
    expect(lines).toHaveLength(3);
    expect(output).toContain('payments');
    expect(output).toContain('[redacted]');
    for (const secret of [IBAN, 'Alice Buyer', EMAIL, JWT, '3704']) expect(output).not.toContain(secret);
  });
});
