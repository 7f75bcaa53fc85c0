import { ValidationError } from '../lib/errors';
import { httpHandler } from '../lib/http/handler';
import { askBody, idempotencyKeyOf } from '../lib/http/schemas';
import { ask } from '../lib/tuner/ask';

/** POST /studies/{studyId}/runs → 201 { studyId, runId, number, params, ... }; Idempotency-Key makes it safe to retry */
export const handler = httpHandler({ body: askBody, status: 201 }, ({ body, path, headers, deps, answerBy }) => {
  const header = idempotencyKeyOf(headers);
  if (header !== undefined && body.requestId !== undefined && header !== body.requestId) {
    throw new ValidationError('differs from the Idempotency-Key header: send one or make them equal', 'requestId');
  }
  return ask(deps, { studyId: path.studyId, workerId: body.workerId, requestId: header ?? body.requestId, answerBy });
});
