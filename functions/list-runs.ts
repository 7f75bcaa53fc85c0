import { httpHandler } from '../lib/http/handler';
import { listQuery } from '../lib/http/schemas';
import { listRuns } from '../lib/tuner/studies';

/** GET /studies/{studyId}/runs?limit=&cursor= → { runs, nextCursor? }, by run number */
export const handler = httpHandler({ query: listQuery }, ({ path, query, deps }) => listRuns(deps, path.studyId, query.limit ?? 100, query.cursor));
