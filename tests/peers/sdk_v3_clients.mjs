// The AWS SDK for JavaScript v3 against `tenantsim fakes serve` (started by the caller, signatures
// verified): DynamoDB through the low-level client, its paginators and lib-dynamodb's document
// client, Converse and ConverseStream calls through the Bedrock runtime client (over HTTP/1.1, see below), and Cognito
// sign-up and sign-in with the ID token verified against the pool's JWKS.
//   node sdk_v3_clients.mjs ENDPOINT ACCESS_KEY SECRET
import assert from "node:assert/strict";
import {
  ConditionalCheckFailedException, CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand,
  TransactionCanceledException, TransactWriteItemsCommand, paginateQuery, waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  CognitoIdentityProviderClient, ConfirmSignUpCommand, CreateUserPoolClientCommand, CreateUserPoolCommand,
  InitiateAuthCommand, NotAuthorizedException, SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { createPublicKey, verify } from "node:crypto";

const [endpoint, accessKeyId, secretAccessKey] = process.argv.slice(2);
const config = { endpoint, region: "us-east-1", credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 };

const ddb = new DynamoDBClient(config);
await ddb.send(new CreateTableCommand({
  TableName: "sdk", BillingMode: "PAY_PER_REQUEST",
  KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
  AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
}));
await waitUntilTableExists({ client: ddb, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: "sdk" });

for (let i = 0; i < 12; i++) {
  await ddb.send(new PutItemCommand({ TableName: "sdk", Item: { pk: { S: "t" }, sk: { N: String(i) }, n: { N: "1.10" } } }));
}
const got = await ddb.send(new GetItemCommand({ TableName: "sdk", Key: { pk: { S: "t" }, sk: { N: "3" } } }));
assert.equal(got.Item.n.N, "1.1");

await assert.rejects(
  ddb.send(new PutItemCommand({ TableName: "sdk", Item: { pk: { S: "t" }, sk: { N: "3" } }, ConditionExpression: "attribute_not_exists(pk)" })),
  (e) => e instanceof ConditionalCheckFailedException,
);

const seen = [];
for await (const page of paginateQuery({ client: ddb, pageSize: 5 }, {
  TableName: "sdk", KeyConditionExpression: "pk = :p AND sk >= :lo",
  ExpressionAttributeValues: { ":p": { S: "t" }, ":lo": { N: "2" } },
})) {
  seen.push(...page.Items.map((i) => Number(i.sk.N)));
}
assert.deepEqual(seen, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

await assert.rejects(
  ddb.send(new TransactWriteItemsCommand({ TransactItems: [
    { Put: { TableName: "sdk", Item: { pk: { S: "u" }, sk: { N: "1" } } } },
    { ConditionCheck: { TableName: "sdk", Key: { pk: { S: "t" }, sk: { N: "1" } }, ConditionExpression: "attribute_not_exists(pk)" } },
  ] })),
  (e) => e instanceof TransactionCanceledException && e.CancellationReasons[1].Code === "ConditionalCheckFailed",
);

const doc = DynamoDBDocumentClient.from(ddb);
await doc.send(new PutCommand({ TableName: "sdk", Item: { pk: "doc", sk: 1, tags: new Set(["a"]), nested: { list: [1, "two", null, true] } } }));
const updated = await doc.send(new UpdateCommand({
  TableName: "sdk", Key: { pk: "doc", sk: 1 }, UpdateExpression: "ADD tags :t SET nested.#l[1] = :v", ExpressionAttributeNames: { "#l": "list" },
  ExpressionAttributeValues: { ":t": new Set(["b"]), ":v": "deux" }, ReturnValues: "ALL_NEW",
}));
assert.deepEqual([...updated.Attributes.tags].sort(), ["a", "b"]);
assert.deepEqual(updated.Attributes.nested.list, [1, "deux", null, true]);
const read = await doc.send(new GetCommand({ TableName: "sdk", Key: { pk: "doc", sk: 1 }, ConsistentRead: true }));
assert.equal(read.Item.nested.list[1], "deux");

// The Bedrock runtime client speaks HTTP/2 by default (for its bidirectional streams); the fakes
// serve HTTP/1.1, which Bedrock also accepts, so the client is given the HTTP/1.1 handler.
const br = new BedrockRuntimeClient({ ...config, requestHandler: new NodeHttpHandler() });
const answer = await br.send(new ConverseCommand({
  modelId: "anthropic.claude-3-haiku-20240307-v1:0",
  messages: [{ role: "user", content: [{ text: "Hello from the JavaScript SDK" }] }],
}));
assert.equal(answer.stopReason, "end_turn");
assert.ok(answer.usage.inputTokens > 0 && answer.usage.outputTokens > 0);

// ConverseStream: the same answer as event-stream frames (the SDK checks both CRCs of each).
const streamed = await br.send(new ConverseStreamCommand({
  modelId: "anthropic.claude-3-haiku-20240307-v1:0",
  messages: [{ role: "user", content: [{ text: "Hello from the JavaScript SDK" }] }],
}));
let streamedText = "";
const events = [];
let streamedUsage;
for await (const event of streamed.stream) {
  events.push(Object.keys(event)[0]);
  if (event.contentBlockDelta) streamedText += event.contentBlockDelta.delta.text;
  if (event.metadata) streamedUsage = event.metadata.usage;
}
assert.equal(events[0], "messageStart");
assert.deepEqual(events.slice(-2), ["messageStop", "metadata"]);
assert.equal(streamedText, answer.output.message.content[0].text, "the deltas join into the Converse answer");
assert.equal(streamedUsage.inputTokens, answer.usage.inputTokens);
assert.equal(streamedUsage.totalTokens, streamedUsage.inputTokens + streamedUsage.outputTokens);

// Cognito: sign up, confirm with the mailed code, sign in; the ID token verified with node's crypto
// against the pool's JWKS.
const idp = new CognitoIdentityProviderClient(config);
const pool = (await idp.send(new CreateUserPoolCommand({
  PoolName: "js", Schema: [{ Name: "tenant_id", AttributeDataType: "String", Mutable: false }],
}))).UserPool.Id;
const app = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool, ClientName: "spa" }))).UserPoolClient.ClientId;
await idp.send(new SignUpCommand({
  ClientId: app, Username: "bo@acme", Password: "Correct-Horse-7",
  UserAttributes: [{ Name: "custom:tenant_id", Value: "acme" }],
}));
const mailed = await (await fetch(`${endpoint}/_fake/cognito/confirmation-code?client_id=${app}&username=bo@acme`, { headers: { "X-Tenantsim-Control-Secret": process.env.TENANTSIM_CONTROL_SECRET ?? "" } })).json();
await idp.send(new ConfirmSignUpCommand({ ClientId: app, Username: "bo@acme", ConfirmationCode: mailed.code }));
await assert.rejects(
  idp.send(new InitiateAuthCommand({ ClientId: app, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "bo@acme", PASSWORD: "nope-nope-1" } })),
  (e) => e instanceof NotAuthorizedException,
);
const auth = await idp.send(new InitiateAuthCommand({
  ClientId: app, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "bo@acme", PASSWORD: "Correct-Horse-7" },
}));
const [h, p, sig] = auth.AuthenticationResult.IdToken.split(".");
const jwks = await (await fetch(`${endpoint}/${pool}/.well-known/jwks.json`)).json();
const jwk = jwks.keys.find((k) => k.kid === JSON.parse(Buffer.from(h, "base64url")).kid);
assert.ok(verify("RSA-SHA256", Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(sig, "base64url")));
const claims = JSON.parse(Buffer.from(p, "base64url"));
assert.equal(claims["custom:tenant_id"], "acme");
assert.equal(claims.aud, app);

console.log("ok sdk v3: dynamodb (client, paginator, waiter, document client, transactions), bedrock converse, cognito sign-up and sign-in");
