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
import { backendUnavailable, importTfBackend } from '../../src/engine/optional_backends.js';

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

/** Runs `fn` with DETLAB_ENGINE_AUTO set to `value` (unset for undefined), then restores it. */
async function withAutoEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env.DETLAB_ENGINE_AUTO;
  if (value === undefined) delete process.env.DETLAB_ENGINE_AUTO;
  else process.env.DETLAB_ENGINE_AUTO = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.DETLAB_ENGINE_AUTO;
    else process.env.DETLAB_ENGINE_AUTO = before;
  }
}

describe('initEngine', () => {
  it('auto with DETLAB_ENGINE_AUTO=wasm (as npm test sets it) takes wasm with the kernel pack, and says why', async () => {
    const info = await withAutoEnv('wasm', () => initEngine({ log: false }));
    assert.equal(info.backend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.match(info.reason, /^auto: @tensorflow\/tfjs-node-gpu, @tensorflow\/tfjs-node not tried \(DETLAB_ENGINE_AUTO=wasm\)/);
    assert.equal(info.kernels, loadAddon().addon ? 'wasm-pack+openblas' : 'wasm-pack');
    assert.equal(info.versions['tfjs-core'], '4.22.0');
    assert.equal(info.versions['tfjs-backend-wasm'], '4.22.0');
    assert.deepEqual(engineInfo(), info);
    for (const name of WASM_PACK_KERNELS) assert.ok(tf.getKernel(name, 'wasm'), `${name} is registered on wasm`);
    assert.doesNotThrow(() => JSON.stringify(info));
  });

  it('auto takes tfjs-node-gpu, then tfjs-node when it loads, else wasm, and says why', async () => {
    const [gpu, cpu] = [await importTfBackend('tensorflow-gpu'), await importTfBackend('tensorflow')];
    const info = await withAutoEnv(undefined, () => initEngine({ log: false }));
    if (gpu.ok) {
      assert.equal(info.backend, 'tensorflow-gpu');
    } else if (cpu.ok) {
      assert.equal(info.backend, 'tensorflow');
      assert.equal(info.kernels, 'libtensorflow');
      assert.equal(info.reason, 'auto: @tensorflow/tfjs-node found');
      assert.equal(tf.getBackend(), 'tensorflow');
    } else {
      assert.equal(info.backend, 'wasm');
      assert.match(info.reason, /@tensorflow\/tfjs-node-gpu is not installed, @tensorflow\/tfjs-node (is not installed|failed to load)/);
    }
  });

  it('DETLAB_ENGINE_AUTO narrows auto and rejects unknown names', async () => {
    const info = await withAutoEnv('tensorflow-gpu,wasm', () => initEngine({ log: false }));
    if (info.backend === 'wasm') assert.match(info.reason, /@tensorflow\/tfjs-node not tried \(DETLAB_ENGINE_AUTO=tensorflow-gpu,wasm\)/);
    const err = await userError(() => withAutoEnv('gpu', () => initEngine({ log: false })));
    assert.match(err.message, /^DETLAB_ENGINE_AUTO: unknown backend 'gpu'/);
  });

  it('an absent or broken tfjs-node is a one-line error with the setup command', () => {
    const absent = backendUnavailable('tensorflow', { missing: true, why: '@tensorflow/tfjs-node is not installed' });
    assert.match(absent.message, /^engine\.backend: tensorflow is unavailable: @tensorflow\/tfjs-node is not installed; install it: npm run setup:tensorflow /);
    const broken = backendUnavailable('tensorflow', { missing: false, why: '@tensorflow/tfjs-node failed to load: no tfjs_binding.node' });
    assert.match(broken.message, /failed to load: no tfjs_binding\.node; rebuild it: npm run setup:tensorflow .*; or choose engine\.backend: wasm$/);
    for (const err of [absent, broken]) assert.ok(!err.message.includes('\n'));
  });

  it('an absent tfjs-node-gpu names the setup command, the CUDA/cuDNN versions and the driver', async () => {
    const gpu = await importTfBackend('tensorflow-gpu');
    const err = gpu.ok ? backendUnavailable('tensorflow-gpu', { missing: true, why: 'x' }) : await userError(() => initEngine({ backend: 'tensorflow-gpu', log: false }));
    assert.match(err.message, /npm run setup:tensorflow -- --gpu/);
    assert.match(err.message, /CUDA 12\.5/);
    assert.match(err.message, /cuDNN 9\.3/);
    assert.match(err.message, /NVIDIA driver/);
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
