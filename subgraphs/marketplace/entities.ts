// Every table of the marketplace subgraph, module by module: the catalogue and orders (local/),
// offset orders (offsets/: local inventory and the Lune journal) the service outbox (outbox/) and the write journal of upstream mode (lib/write-journal.ts).
import { localEntities } from './local/entities.ts';
import { offsetEntities } from './offsets/local/entities.ts';
import { OffsetOrderJournalSchema } from './offsets/upstream/entities.ts';
import { ServiceOutboxSchema } from './outbox/entities.ts';
import { WriteJournalSchema } from '../../lib/write-journal.ts';

export const entities = [
  ...offsetEntities,
  OffsetOrderJournalSchema,
  ...localEntities,
  ServiceOutboxSchema,
  WriteJournalSchema,
];
