// The API's global ids in tests: fixtures and storage keep local ids, answers carry global ones.
import { toGlobalId } from '../../lib/global-id.ts';

export { toGlobalId as gid };

/** The local id inside a global id (`base64url("<Type>:<local id>")`). */
export function localOf(globalId: string): string {
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  return text.slice(text.indexOf(':') + 1);
}
