import { httpHandler } from '../lib/http/handler';
import { createStudyBody, idempotencyKeyOf } from '../lib/http/schemas';
import { createStudy } from '../lib/tuner/studies';

/** POST /studies → 201 study; Idempotency-Key makes it safe to retry */
export const handler = httpHandler({ body: createStudyBody, status: 201 }, ({ body, headers, deps }) => createStudy(deps, body, idempotencyKeyOf(headers)));
