import { httpHandler } from '../lib/http/handler';
import { enqueueBody, idempotencyKeyOf } from '../lib/http/schemas';
import { enqueue } from '../lib/tuner/report';

/** POST /studies/{studyId}/runs/enqueue { params } → 201: fixed params handed out before proposals, each once; Idempotency-Key makes it safe to retry */
export const handler = httpHandler({ body: enqueueBody, status: 201 }, ({ body, path, headers, deps }) =>
  enqueue(deps, { studyId: path.studyId, params: Array.isArray(body.params) ? body.params : [body.params], requestId: idempotencyKeyOf(headers) }),
);
