// amazon-cognito-identity-js (npm), the library most web frontends sign in with, against
// `tenantsim fakes serve` (started by the caller): sign-up, confirmation with the e-mailed code,
// sign-in over USER_SRP_AUTH (the library's default flow: SRP_A, the PASSWORD_VERIFIER challenge,
// the claim signature), a wrong password and an unknown user refused, the ID token verified against
// the pool's JWKS, and a refresh. The pool is made with the AWS SDK v3 (signed admin calls).
//   node cognito_identity_js.mjs ENDPOINT ACCESS_KEY SECRET
import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import {
  AdminCreateUserCommand, AdminUpdateUserAttributesCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import identity from "amazon-cognito-identity-js";

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } = identity;
const [endpoint, accessKeyId, secretAccessKey] = process.argv.slice(2);

const admin = new CognitoIdentityProviderClient({
  endpoint, region: "us-east-1", credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1,
});
const pool = (await admin.send(new CreateUserPoolCommand({
  PoolName: "frontend", Schema: [{ Name: "tenant_id", AttributeDataType: "String", Mutable: false }],
}))).UserPool.Id;
const clientId = (await admin.send(new CreateUserPoolClientCommand({
  UserPoolId: pool, ClientName: "spa", WriteAttributes: ["email"],
}))).UserPoolClient.ClientId;

// The library takes the service endpoint as the pool's `endpoint`; it posts every call there.
const userPool = new CognitoUserPool({ UserPoolId: pool, ClientId: clientId, endpoint: `${endpoint}/` });
const call = (fn) => new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));

const username = "ana@acme";
const password = "Correct-Horse-9";
// A sign-up form that names a tenant (as seed 000's page does) is refused: the app client may not
// write custom:tenant_id, whoever holds its id. Without it the sign-up goes through, and the
// tenant claim is written with the pool owner's credentials, as the system does.
await assert.rejects(call((cb) => userPool.signUp(username, password, [
  new CognitoUserAttribute({ Name: "email", Value: "ana@acme.test" }),
  new CognitoUserAttribute({ Name: "custom:tenant_id", Value: "acme" }),
], null, cb)), (e) => e.code === "NotAuthorizedException" && e.message === "A client attempted to write unauthorized attribute");
const signedUp = await call((cb) => userPool.signUp(username, password, [
  new CognitoUserAttribute({ Name: "email", Value: "ana@acme.test" }),
], null, cb));
assert.equal(signedUp.userConfirmed, false);
const sub = signedUp.userSub;
await admin.send(new AdminUpdateUserAttributesCommand({
  UserPoolId: pool, Username: username, UserAttributes: [{ Name: "custom:tenant_id", Value: "acme" }],
}));

const user = new CognitoUser({ Username: username, Pool: userPool });
const mailed = await (await fetch(`${endpoint}/_fake/cognito/confirmation-code?client_id=${clientId}&username=${encodeURIComponent(username)}`, { headers: { "X-Tenantsim-Control-Secret": process.env.TENANTSIM_CONTROL_SECRET ?? "" } })).json();
assert.equal(await call((cb) => user.confirmRegistration(mailed.code, true, cb)), "SUCCESS");

const signIn = (name, pw) => new Promise((resolve, reject) => {
  const u = new CognitoUser({ Username: name, Pool: userPool });
  u.authenticateUser(new AuthenticationDetails({ Username: name, Password: pw }), {
    onSuccess: (session) => resolve({ user: u, session }),
    onFailure: reject,
    newPasswordRequired: () => reject(new Error("newPasswordRequired")),
  });
});

await assert.rejects(signIn(username, "Correct-Horse-8"), (e) => e.code === "NotAuthorizedException");
await assert.rejects(signIn("nobody@acme", password), (e) => e.code === "NotAuthorizedException");

const { user: signedIn, session } = await signIn(username, password);
assert.ok(session.isValid());
const idToken = session.getIdToken().getJwtToken();
const [h, p, sig] = idToken.split(".");
const jwks = await (await fetch(`${endpoint}/${pool}/.well-known/jwks.json`)).json();
const jwk = jwks.keys.find((k) => k.kid === JSON.parse(Buffer.from(h, "base64url")).kid);
assert.ok(jwk, "the token's kid is in the pool's JWKS");
assert.ok(verify("RSA-SHA256", Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(sig, "base64url")),
  "the ID token's signature verifies against the JWKS");
const claims = session.getIdToken().decodePayload();
assert.equal(claims["custom:tenant_id"], "acme");
assert.equal(claims.sub, sub);
assert.equal(claims.aud, clientId);
assert.equal(claims.token_use, "id");

const refreshed = await call((cb) => signedIn.refreshSession(session.getRefreshToken(), cb));
assert.ok(refreshed.isValid());
assert.equal(refreshed.getIdToken().decodePayload().sub, sub);
assert.notEqual(refreshed.getAccessToken().getJwtToken(), session.getAccessToken().getJwtToken());

// The signed-in user reads their own attributes (GetUser, by access token).
const attributes = await call((cb) => signedIn.getUserAttributes(cb));
assert.equal(attributes.find((a) => a.getName() === "custom:tenant_id").getValue(), "acme");

// A user an admin created signs in with the temporary password and must choose a new one
// (NEW_PASSWORD_REQUIRED), then signs in with it.
await admin.send(new AdminCreateUserCommand({
  UserPoolId: pool, Username: "bo@acme", TemporaryPassword: "Temp-Password-1",
  UserAttributes: [{ Name: "custom:tenant_id", Value: "acme" }],
}));
const changed = await new Promise((resolve, reject) => {
  const u = new CognitoUser({ Username: "bo@acme", Pool: userPool });
  u.authenticateUser(new AuthenticationDetails({ Username: "bo@acme", Password: "Temp-Password-1" }), {
    onSuccess: () => reject(new Error("signed in with a temporary password")),
    onFailure: reject,
    newPasswordRequired: (userAttributes) => {
      assert.equal(userAttributes["custom:tenant_id"], "acme");
      u.completeNewPasswordChallenge("Chosen-Password-7", {}, { onSuccess: resolve, onFailure: reject });
    },
  });
});
assert.ok(changed.isValid());
assert.ok((await signIn("bo@acme", "Chosen-Password-7")).session.isValid());
await assert.rejects(signIn("bo@acme", "Temp-Password-1"), (e) => e.code === "NotAuthorizedException");

console.log(`amazon-cognito-identity-js: sign-up, confirm, SRP sign-in, refresh, user attributes, new password against ${pool}`);
