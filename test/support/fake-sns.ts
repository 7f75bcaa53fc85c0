/**
 * A local stand-in for SNS's Publish and PublishBatch, the one stand-in for AWS in the tests (no SNS
 * can run here). It speaks the wire protocol the real SDK client uses (awsQuery: a form-encoded POST /,
 * an XML answer), so pointing an `SNSClient` at it exercises the adapter's serialization for real.
 * It enforces the SNS limits the adapter must respect (256 KB per message and per batch, 10 entries,
 * distinct ids, String attributes with a value), records what it accepted, and can be told to fail.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_BYTES = 256 * 1024;

export interface ReceivedAttribute {
  dataType: string;
  stringValue?: string;
}

export interface ReceivedMessage {
  action: 'Publish' | 'PublishBatch';
  topicArn: string;
  message: string;
  attributes: Record<string, ReceivedAttribute>;
  messageId: string;
  /** The entry's Id, for PublishBatch. */
  batchEntryId?: string;
}

export interface ReceivedCall {
  action: string;
  /** The raw form fields, in the order sent. */
  fields: [string, string][];
  entries: number;
  /** HTTP status answered; 0 when the call was left unanswered (hangNext). */
  status: number;
}

export interface FailOptions {
  /** HTTP status of the error answer. Default 500. */
  status?: number;
  /** SNS error code. Default InternalError. */
  code?: string;
  message?: string;
}

export interface FakeSns {
  endpoint: string;
  /** Messages accepted, in the order received. */
  messages: ReceivedMessage[];
  /** Every call, accepted or not. */
  calls: ReceivedCall[];
  /** The next `n` calls answer an SNS error (HTTP 500 InternalError unless told otherwise). */
  failNext(n: number, options?: FailOptions): void;
  /** The next `n` calls are read but never answered (the client's timeout must end them). */
  hangNext(n: number): void;
  /** PublishBatch entries whose message matches are answered as `Failed` members (until cleared with undefined). */
  failEntriesWhere(predicate: ((message: string) => boolean) | undefined, options?: { code?: string; message?: string; senderFault?: boolean }): void;
  reset(): void;
  close(): Promise<void>;
}

class SnsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeSns(): Promise<FakeSns> {
  const messages: ReceivedMessage[] = [];
  const calls: ReceivedCall[] = [];
  let failures: { remaining: number; options: FailOptions } = { remaining: 0, options: {} };
  let hangs = 0;
  let entryFailure: { predicate: (m: string) => boolean; code: string; message: string; senderFault: boolean } | undefined;

  const server: Server = createServer((req, res) => {
    readBody(req).then(
      (body) => answer(body, res),
      () => res.destroy(),
    );
  });

  function answer(body: string, res: ServerResponse): void {
    const fields = [...new URLSearchParams(body).entries()];
    const form = new Map(fields);
    const action = form.get('Action') ?? '';
    const call: ReceivedCall = { action, fields, entries: 0, status: 200 };
    calls.push(call);
    if (hangs > 0) {
      hangs--;
      call.status = 0;
      return;
    }
    try {
      if (failures.remaining > 0) {
        failures.remaining--;
        const o = failures.options;
        throw new SnsFault(o.status ?? 500, o.code ?? 'InternalError', o.message ?? 'The fake SNS was told to fail this call');
      }
      if (form.get('Version') !== '2010-03-31') throw new SnsFault(400, 'InvalidParameter', 'Version: expected 2010-03-31');
      const topicArn = form.get('TopicArn');
      if (!topicArn) throw new SnsFault(400, 'InvalidParameter', 'Invalid parameter: TopicArn');
      let xml: string;
      if (action === 'Publish') {
        call.entries = 1;
        xml = publish(form, topicArn);
      } else if (action === 'PublishBatch') {
        xml = publishBatch(form, topicArn, call);
      } else {
        throw new SnsFault(400, 'InvalidAction', `The action ${action} is not valid for this endpoint.`);
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(xml);
    } catch (err) {
      const fault = err instanceof SnsFault ? err : new SnsFault(500, 'InternalError', String(err));
      call.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${fault.status < 500 ? 'Sender' : 'Receiver'}</Type>` +
          `<Code>${esc(fault.code)}</Code><Message>${esc(fault.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
  }

  function publish(form: Map<string, string>, topicArn: string): string {
    const message = form.get('Message');
    if (message === undefined || message === '') throw new SnsFault(400, 'InvalidParameter', 'Invalid parameter: Message');
    const attributes = readAttributes(form, 'MessageAttributes');
    if (size(message, attributes) > MAX_BYTES) throw new SnsFault(400, 'InvalidParameter', 'Invalid parameter: Message too long');
    const messageId = randomUUID();
    messages.push({ action: 'Publish', topicArn, message, attributes, messageId });
    return `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>${metadata()}</PublishResponse>`;
  }

  function publishBatch(form: Map<string, string>, topicArn: string, call: ReceivedCall): string {
    const entries: { id: string; message: string; attributes: Record<string, ReceivedAttribute> }[] = [];
    for (let n = 1; form.has(`PublishBatchRequestEntries.member.${n}.Id`); n++) {
      const prefix = `PublishBatchRequestEntries.member.${n}`;
      entries.push({
        id: form.get(`${prefix}.Id`) as string,
        message: form.get(`${prefix}.Message`) ?? '',
        attributes: readAttributes(form, `${prefix}.MessageAttributes`),
      });
    }
    call.entries = entries.length;
    if (entries.length === 0) throw new SnsFault(400, 'EmptyBatchRequest', 'The batch request does not contain any entries.');
    if (entries.length > 10) throw new SnsFault(400, 'TooManyEntriesInBatchRequest', 'The batch request contains more entries than permissible.');
    if (new Set(entries.map((e) => e.id)).size !== entries.length) throw new SnsFault(400, 'BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
    if (entries.some((e) => !/^[A-Za-z0-9_-]{1,80}$/.test(e.id))) throw new SnsFault(400, 'InvalidBatchEntryId', 'A batch entry Id is not valid.');
    const total = entries.reduce((sum, e) => sum + size(e.message, e.attributes), 0);
    if (total > MAX_BYTES) throw new SnsFault(400, 'BatchRequestTooLong', 'The length of all the messages put together is more than the limit.');
    const successful: string[] = [];
    const failed: string[] = [];
    for (const e of entries) {
      if (e.message === '') {
        failed.push(failedMember(e.id, 'InvalidParameter', 'Invalid parameter: Message', true));
      } else if (entryFailure?.predicate(e.message)) {
        failed.push(failedMember(e.id, entryFailure.code, entryFailure.message, entryFailure.senderFault));
      } else {
        const messageId = randomUUID();
        messages.push({ action: 'PublishBatch', topicArn, message: e.message, attributes: e.attributes, messageId, batchEntryId: e.id });
        successful.push(`<member><Id>${esc(e.id)}</Id><MessageId>${messageId}</MessageId></member>`);
      }
    }
    return (
      `<PublishBatchResponse xmlns="${XMLNS}"><PublishBatchResult><Successful>${successful.join('')}</Successful>` +
      `<Failed>${failed.join('')}</Failed></PublishBatchResult>${metadata()}</PublishBatchResponse>`
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    messages,
    calls,
    failNext(n, options = {}) {
      failures = { remaining: n, options };
    },
    hangNext(n) {
      hangs = n;
    },
    failEntriesWhere(predicate, options = {}) {
      entryFailure = predicate && {
        predicate,
        code: options.code ?? 'InternalError',
        message: options.message ?? 'The fake SNS was told to fail this entry',
        senderFault: options.senderFault ?? false,
      };
    },
    reset() {
      messages.length = 0;
      calls.length = 0;
      failures = { remaining: 0, options: {} };
      hangs = 0;
      entryFailure = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `<prefix>.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`, as SNS reads them. */
function readAttributes(form: Map<string, string>, prefix: string): Record<string, ReceivedAttribute> {
  const attributes: Record<string, ReceivedAttribute> = {};
  for (let n = 1; form.has(`${prefix}.entry.${n}.Name`); n++) {
    const name = form.get(`${prefix}.entry.${n}.Name`) as string;
    const dataType = form.get(`${prefix}.entry.${n}.Value.DataType`);
    const stringValue = form.get(`${prefix}.entry.${n}.Value.StringValue`);
    if (!dataType) throw new SnsFault(400, 'ParameterValueInvalid', `The message attribute '${name}' must contain non-empty message attribute type.`);
    if (dataType.startsWith('String') && !stringValue) {
      throw new SnsFault(400, 'ParameterValueInvalid', `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`);
    }
    if (name in attributes) throw new SnsFault(400, 'ParameterValueInvalid', `The message attribute '${name}' is given twice.`);
    attributes[name] = { dataType, ...(stringValue !== undefined ? { stringValue } : {}) };
  }
  return attributes;
}

/** What SNS counts against the 256 KB limit: the body and each attribute's name, type and value. */
function size(message: string, attributes: Record<string, ReceivedAttribute>): number {
  let bytes = Buffer.byteLength(message, 'utf8');
  for (const [name, a] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(a.dataType) + Buffer.byteLength(a.stringValue ?? '');
  }
  return bytes;
}

function failedMember(id: string, code: string, message: string, senderFault: boolean): string {
  return `<member><Id>${esc(id)}</Id><Code>${esc(code)}</Code><Message>${esc(message)}</Message><SenderFault>${senderFault}</SenderFault></member>`;
}

function metadata(): string {
  return `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
