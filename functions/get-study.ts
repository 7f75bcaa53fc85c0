import { httpHandler } from '../lib/http/handler';
import { getStudy } from '../lib/tuner/studies';

/** GET /studies/{studyId} → study + counts by state + best */
export const handler = httpHandler({}, ({ path, deps }) => getStudy(deps, path.studyId));
