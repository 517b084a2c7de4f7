/** Backend selection, its errors, the printed summary and the engine config section. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { tf } from '../../src/engine/tf.js';
import { UserError } from '../../src/cli/command.js';
import { describeEngine, engineInfo, initEngine } from '../../src/engine/init.js';
import { ENGINE_CONFIG_SCHEMA, ENGINE_DEFAULTS } from '../../src/engine/config.js';
import { engine as engineSection } from '../../src/engine/engine.section.js';
import { loadAddon } from '../../src/engine/native/addon.js';
import { WASM_PACK_KERNELS } from '../../src/engine/wasm/register.js';

async function userError(run: () => Promise<unknown>): Promise<UserError> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'a user error is one line');
    return err;
  }
  assert.fail('expected a UserError');
}

describe('initEngine', () => {
  it('auto picks wasm with the kernel pack when tfjs-node is absent, and says why', async () => {
    const info = await initEngine({ log: false });
    assert.equal(info.backend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.match(info.reason, /@tensorflow\/tfjs-node-gpu is not installed, @tensorflow\/tfjs-node is not installed/);
    assert.equal(info.kernels, loadAddon().addon ? 'wasm-pack+openblas' : 'wasm-pack');
    assert.equal(info.versions['tfjs-core'], '4.22.0');
    assert.equal(info.versions['tfjs-backend-wasm'], '4.22.0');
    assert.deepEqual(engineInfo(), info);
    for (const name of WASM_PACK_KERNELS) assert.ok(tf.getKernel(name, 'wasm'), `${name} is registered on wasm`);
    assert.doesNotThrow(() => JSON.stringify(info));
  });

  it('an absent tfjs-node is a one-line error with the install command', async () => {
    const err = await userError(() => initEngine({ backend: 'tensorflow', log: false }));
    assert.match(err.message, /^engine\.backend: tensorflow is unavailable: @tensorflow\/tfjs-node is not installed/);
    assert.match(err.message, /npm install @tensorflow\/tfjs-node@4\.22\.0/);
  });

  it('an absent tfjs-node-gpu names the install command and the CUDA/cuDNN versions', async () => {
    const err = await userError(() => initEngine({ backend: 'tensorflow-gpu', log: false }));
    assert.match(err.message, /npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    assert.match(err.message, /CUDA 11\.2/);
    assert.match(err.message, /cuDNN 8\.1/);
  });

  it('rejects bad options with the config path in the message', async () => {
    assert.match((await userError(() => initEngine({ backend: 'gpu' as never, log: false }))).message, /^engine\.backend: unknown backend 'gpu'/);
    assert.match((await userError(() => initEngine({ threads: -1, log: false }))).message, /^engine\.threads:/);
    assert.match((await userError(() => initEngine({ native: 'yes' as never, log: false }))).message, /^engine\.native:/);
    assert.match((await userError(() => initEngine({ backend: 'cpu', native: 'on', log: false }))).message, /^engine\.native: on needs engine\.backend wasm/);
  });

  it('native: off keeps the pure wasm pack; cpu is the stock backend', async () => {
    const wasm = await initEngine({ backend: 'wasm', native: 'off', log: false });
    assert.equal(wasm.kernels, 'wasm-pack');
    assert.equal(wasm.threads, 1);
    const cpu = await initEngine({ backend: 'cpu', log: false });
    assert.equal(cpu.backend, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('prints the choice once, and again only when it changes', async () => {
    const lines: string[] = [];
    const log = (line: string): void => {
      lines.push(line);
    };
    const first = await initEngine({ backend: 'wasm', native: 'off', log });
    await initEngine({ backend: 'wasm', native: 'off', log });
    assert.deepEqual(lines, [describeEngine(first)]);
    assert.match(lines[0], /^engine: wasm \(wasm-pack, 1 thread; requested; native: off\)$/);
    await initEngine({ backend: 'cpu', log });
    assert.equal(lines.length, 2);
  });
});

describe('engine config section', () => {
  it('is the engine: section, every option has a description and a default', () => {
    assert.equal(engineSection.name, 'engine');
    for (const [key, option] of Object.entries(ENGINE_CONFIG_SCHEMA.properties)) {
      assert.ok(option.description.length > 0, key);
      assert.equal(option.default, ENGINE_DEFAULTS[key as keyof typeof ENGINE_DEFAULTS], key);
    }
  });

  it('validates with ajv: defaults fill in, bad values are rejected', () => {
    const validate = new Ajv({ useDefaults: true, strict: false }).compile(ENGINE_CONFIG_SCHEMA);
    const empty: Record<string, unknown> = {};
    assert.ok(validate(empty));
    assert.deepEqual(empty, ENGINE_DEFAULTS);
    assert.ok(validate({ backend: 'tensorflow-gpu', threads: 4, native: 'off' }));
    assert.ok(!validate({ backend: 'gpu' }));
    assert.ok(!validate({ threads: 1.5 }));
    assert.ok(!validate({ nativ: 'on' }));
  });
});
