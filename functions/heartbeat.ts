import { httpHandler } from '../lib/http/handler';
import { heartbeatBody } from '../lib/http/schemas';
import { heartbeat } from '../lib/tuner/report';

/** POST /studies/{studyId}/runs/{runId}/heartbeat → { runId, state, deadline }: moves the metric deadline */
export const handler = httpHandler({ body: heartbeatBody }, ({ path, deps }) => heartbeat(deps, { studyId: path.studyId, runId: path.runId }));
