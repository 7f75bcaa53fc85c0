/** DynamoDB clients: one document client per container, numbers and empty values handled as we store them. */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export function createDocumentClient(config: DynamoDBClientConfig = {}): { raw: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const raw = new DynamoDBClient(config);
  // Every number we store is a JS double (values, bounds, params, options), validated to DynamoDB's
  // range (domain/types.ts isStorableNumber). By default the SDK refuses to write any of magnitude
  // above 2^53 ("use NumberValue"), and it reads such numbers back as BigInt or throws on exponent
  // forms like "1e+21". So a diverged loss of 1e20 used to answer 500. A double's toString is its exact
  // shortest round-trip form (at most 17 significant digits; DynamoDB keeps 38), and Number() reads it
  // back bit for bit. So nothing is imprecise here, whatever the option's name says.
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false, allowImpreciseNumbers: true },
    unmarshallOptions: { wrapNumbers: (n: string) => Number(n) },
  });
  return { raw, doc };
}

/** Client config for a local engine: any credentials do, nothing leaves the machine. */
export function localClientConfig(endpoint: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  };
}
