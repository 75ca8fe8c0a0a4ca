// Who may see what: public records for everyone, a user's own records for that user, all for an admin.
import type { Viewer } from '../../lib/auth.ts';

export function canSee(viewer: Viewer | null, record: { isPublic: boolean }, ownerId: string | null): boolean {
  return record.isPublic || viewer?.role === 'ADMIN' || (viewer !== null && ownerId !== null && ownerId === viewer.id);
}

export function isOwnerOrAdmin(viewer: Viewer | null, ownerId: string | null): boolean {
  return viewer?.role === 'ADMIN' || (viewer !== null && ownerId === viewer.id);
}

/** The record when the viewer may see it, else null. */
export function visibleOrNull<T extends { isPublic: boolean }>(viewer: Viewer | null, record: T | null, ownerOf: (r: T) => string | null): T | null {
  return record && canSee(viewer, record, ownerOf(record)) ? record : null;
}
