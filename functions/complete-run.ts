import { httpHandler } from '../lib/http/handler';
import { completeBody } from '../lib/http/schemas';
import { completeRun } from '../lib/tuner/report';

/** POST /studies/{studyId}/runs/{runId}/complete { value } | { status: "failed", reason? } → the run */
export const handler = httpHandler({ body: completeBody }, ({ body, path, deps }) => completeRun(deps, { studyId: path.studyId, runId: path.runId, body }));
