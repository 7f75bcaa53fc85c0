import { httpHandler } from '../lib/http/handler';
import { deleteStudy } from '../lib/tuner/studies';

/** DELETE /studies/{studyId} → 204 (the study and everything under it) */
export const handler = httpHandler({ status: 204 }, ({ path, deps }) => deleteStudy(deps, path.studyId));
