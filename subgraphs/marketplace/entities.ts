// Every table of the marketplace subgraph, module by module: the catalogue and orders (local/),
// offset orders (offsets/: local inventory and the Lune journal) and the service outbox (outbox/).
import { localEntities } from './local/entities.ts';
import { offsetEntities } from './offsets/local/entities.ts';
import { OffsetOrderJournalSchema } from './offsets/upstream/entities.ts';
import { ServiceOutboxSchema } from './outbox/entities.ts';

export const entities = [...offsetEntities, OffsetOrderJournalSchema, ...localEntities, ServiceOutboxSchema];
