/**
 * Redaction of secrets, in-process (tests/cli/secrets.test.ts checks the CLI's
 * streams and files end to end): URL passwords, registered values, the
 * environment's credentials, and a guarded stream.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSecrets, redactStream, redactUrl, registerEnvironmentSecrets, registerSecret } from '../../src/config/secrets.js';

test("a URL's password becomes ***, whatever the scheme; the user, host and path stay; URLs without one are untouched", () => {
  assert.equal(redactUrl('redis://:hunter22@cache:6379/0'), 'redis://:***@cache:6379/0');
  assert.equal(redactUrl('see https://ann:s3cr%40t@mlflow.example/api and rediss://bob:pw99@h'), 'see https://ann:***@mlflow.example/api and rediss://bob:***@h');
  assert.equal(redactUrl('REDIS://:UPPER1@h'), 'REDIS://:***@h', 'scheme in capitals');
  assert.equal(redactUrl('git+ssh://u:tok3n@host/x'), 'git+ssh://u:***@host/x');
  for (const plain of ['redis://cache:6379', 'https://user@host/path', 'http://host:5000/a:b@c', 'mailto:ann@example.com', 'a:b@c']) assert.equal(redactUrl(plain), plain);
});

test('registered secrets are hidden wherever they appear; values shorter than 4 characters are not registered', () => {
  registerSecret('tok-ABCD-1234');
  registerSecret('abc');
  registerSecret(undefined);
  registerSecret('wxyz');
  assert.equal(redactSecrets('token tok-ABCD-1234, again tok-ABCD-1234; abc stays; wxyz goes'), 'token ***, again ***; abc stays; *** goes');
  assert.equal(redactSecrets('no secret here'), 'no secret here');
  assert.equal(redactSecrets('redis://:pass1234@h'), 'redis://:***@h', 'URL passwords too');
});

test("the environment's secrets: MLflow's password and token, and the passwords in REDIS_URL and MLFLOW_TRACKING_URI, raw and decoded", () => {
  registerEnvironmentSecrets({
    MLFLOW_TRACKING_PASSWORD: 'mlflow-pass-1',
    MLFLOW_TRACKING_TOKEN: 'mlflow-token-2',
    REDIS_URL: 'redis://:r%40dis-pw@cache:6379',
    MLFLOW_TRACKING_URI: 'https://ann:uri-pw-3@mlflow.example',
    OTHER_URL: 'redis://:other-pw-4@h',
  });
  const text = 'mlflow-pass-1 mlflow-token-2 r%40dis-pw r@dis-pw uri-pw-3 other-pw-4';
  assert.equal(redactSecrets(text), '*** *** *** *** *** other-pw-4');
  registerEnvironmentSecrets({ REDIS_URL: 'redis://cache:6379', MLFLOW_TRACKING_URI: 'http://host:5000' });
  assert.equal(redactSecrets('cache host'), 'cache host', 'URLs without a password register nothing');
});

test('a guarded stream redacts the strings written to it and passes other chunks as they are', () => {
  registerSecret('stream-secret');
  const written: unknown[] = [];
  const stream = { write: (chunk: unknown, ...rest: unknown[]): boolean => { written.push(chunk, ...rest); return true; } } as unknown as NodeJS.WriteStream;
  redactStream(stream);
  const bytes = Buffer.from('stream-secret');
  assert.equal(stream.write('key stream-secret\n', 'utf8'), true);
  stream.write(bytes);
  assert.deepEqual(written, ['key ***\n', 'utf8', bytes]);
});

test('an environment without credentials registers nothing: ordinary words stay readable', () => {
  registerEnvironmentSecrets({ REDIS_URL: 'redis://localhost:6379', MLFLOW_TRACKING_URI: 'http://mlflow:5000/' });
  registerEnvironmentSecrets({});
  assert.equal(redactSecrets('value undefined at localhost:6379 (null)'), 'value undefined at localhost:6379 (null)');
});
