/**
 * The single-table layout, shared by the DynamoDB adapter, the CDK stack and local mode so the three
 * can never disagree.
 *
 *   item        pk              sk                           lsi1                       other keys
 *   study       STUDY#<id>      #STUDY                       -                          gsi1pk=STUDIES, gsi1sk=<createdAt>#<id>
 *   run         STUDY#<id>      RUN#<number:10>              RUNID#<runId>              while running: gsi1pk=RUNNING,
 *                                                                                          gsi1sk=<deadline:15>#<id>#<number>
 *   metric      STUDY#<id>      METRIC#<number:10>#<step:16> STEP#<step:16>#<number:10>
 *   key claim   STUDY#<id>      REQ#<idempotency key>        -                          expiresAt (TTL)
 *   create claim #CREATES       REQ#<idempotency key>        -                          expiresAt (TTL)
 *   queued      STUDY#<id>      QUEUE#<seq:10>               -
 *   prior       STUDY#<id>      PRIOR#<index:6>              -
 *   deleting    #DELETIONS      <id>                         -                          a DELETE (deletedAt; once swept,
 *                                                                                          sweepAgainAt: its final re-sweep),
 *                                                                                          or with creatingUntil: a create writing priors
 *
 * Everything of a study shares one partition key, so a study's history is one Query and deleting it is
 * a paginated Query + BatchWrite (finished by the sweeper when one request's time runs out). Running runs also sit in the GSI under RUNNING sorted by deadline (a
 * sparse index: the keys are removed when a run leaves `running`), so the timeout sweeper reads only
 * the overdue ones instead of scanning every study. Run numbers sort by sk; the LSI finds a run by id and lists every
 * run's value at one step (what pruners compare) with strongly consistent reads. Writes are single-item
 * and conditional (dynalite, the local engine, has no transactions); each conditional write also stores a
 * token of its own (`rev`, `bestBy`, `stateBy`, `createdBy`, `deletedBy`, `w`, a claim's `token`), by which
 * it recognises itself when the SDK sends it twice, and which no answer shows.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  lsi1: { indexName: 'lsi1', sortKey: 'lsi1' },
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  ttlAttribute: 'expiresAt',
} as const;

export const STUDY_SK = '#STUDY';
export const STUDIES_GSI_PK = 'STUDIES';
export const RUNNING_GSI_PK = 'RUNNING';
/** Partition of the markers of deletions still being swept (never a study's: those start with STUDY#). */
export const DELETIONS_PK = '#DELETIONS';
/** Partition of the idempotency claims of study creates (there is no study partition yet). */
export const CREATE_REQUESTS_PK = '#CREATES';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export const keys = {
  studyPk: (studyId: string) => `STUDY#${studyId}`,
  runSk: (number: number) => `RUN#${pad(number, 10)}`,
  runIdLsi: (runId: string) => `RUNID#${runId}`,
  metricSk: (number: number, step: number) => `METRIC#${pad(number, 10)}#${pad(step, 16)}`,
  metricPrefix: (number: number) => `METRIC#${pad(number, 10)}#`,
  stepLsi: (step: number, number: number) => `STEP#${pad(step, 16)}#${pad(number, 10)}`,
  stepLsiPrefix: (step: number) => `STEP#${pad(step, 16)}#`,
  requestSk: (key: string) => `REQ#${key}`,
  queueSk: (seq: number) => `QUEUE#${pad(seq, 10)}`,
  studiesGsiSk: (createdAt: string, studyId: string) => `${createdAt}#${studyId}`,
  runningGsiSk: (deadline: number, studyId: string, number: number) => `${pad(deadline, 15)}#${studyId}#${number}`,
  runningGsiUpTo: (deadline: number) => `${pad(deadline, 15)}#~`,
};

/** The environment variables every function reads (set by the stack, by local mode, by tests). */
export const ENV = {
  tableName: 'TABLE_NAME',
  topicArn: 'TOPIC_ARN',
} as const;
