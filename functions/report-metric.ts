import { httpHandler } from '../lib/http/handler';
import { metricBody } from '../lib/http/schemas';
import { reportMetric } from '../lib/tuner/report';

/** POST /studies/{studyId}/runs/{runId}/metrics { value, step } → { prune } */
export const handler = httpHandler({ body: metricBody }, ({ body, path, deps }) =>
  reportMetric(deps, { studyId: path.studyId, runId: path.runId, step: body.step, value: body.value }),
);
