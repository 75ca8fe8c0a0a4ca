import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (the built servers' too: dist/ sits in it). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
