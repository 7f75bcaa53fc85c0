import { httpHandler } from '../lib/http/handler';
import { createStudyBody } from '../lib/http/schemas';
import { createStudy } from '../lib/tuner/studies';

/** POST /studies → 201 study */
export const handler = httpHandler({ body: createStudyBody, status: 201 }, ({ body, deps }) => createStudy(deps, body));
