import { httpHandler } from '../lib/http/handler';
import { DELETE_BUDGET_MS } from '../lib/tuner/defaults';
import { deleteStudy } from '../lib/tuner/studies';

/** DELETE /studies/{studyId} → 204 (the study and everything under it) */
export const handler = httpHandler({ status: 204 }, ({ path, deps, answerBy }) =>
  deleteStudy(deps, path.studyId, answerBy === undefined ? DELETE_BUDGET_MS : Math.min(DELETE_BUDGET_MS, answerBy - Date.now())),
);
