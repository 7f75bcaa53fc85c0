import { httpHandler } from '../lib/http/handler';
import { emptyBody } from '../lib/http/schemas';
import { stopStudy } from '../lib/tuner/studies';

/** POST /studies/{studyId}/stop → the study, now `stopped`: asks get 409 StudyStopped, running runs still report */
export const handler = httpHandler({ body: emptyBody }, ({ path, deps }) => stopStudy(deps, path.studyId));
