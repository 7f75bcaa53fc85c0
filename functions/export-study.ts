import { httpHandler } from '../lib/http/handler';
import { exportStudy } from '../lib/tuner/studies';

/** GET /studies/{studyId}/export → the study and all its runs (feed it to POST /studies as warmStartFrom) */
export const handler = httpHandler(
  { tooLargeHint: 'page through GET /studies/{studyId}/runs?cursor= for the runs, or warm-start a new study with warmStartFrom: { studyId }' },
  ({ path, deps }) => exportStudy(deps, path.studyId),
);
