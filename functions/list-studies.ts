import { httpHandler } from '../lib/http/handler';
import { listQuery } from '../lib/http/schemas';
import { listStudies } from '../lib/tuner/studies';

/** GET /studies?limit=&cursor= → { studies, nextCursor? }, newest first */
export const handler = httpHandler({ query: listQuery }, ({ query, deps }) => listStudies(deps, query.limit ?? 50, query.cursor));
