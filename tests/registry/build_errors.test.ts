/**
 * A builder's plain Error (settings that do not fit together) reaches the user
 * as a ConfigError at the component's file:line (the line of its map).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/config/errors.js';
import { initEngine } from '../../src/engine/init.js';
import { build } from '../../src/registry/build.js';
import { loadValidatedConfig } from '../../src/registry/load_validated.js';
import { Rng } from '../../src/train/rng.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');

test("a builder's plain Error becomes a ConfigError naming the component's file:line", async () => {
  await initEngine({ backend: 'wasm', log: false });
  const dir = mkdtempSync(join(tmpdir(), 'detlab-build-errors-'));
  try {
    const file = join(dir, 'paacop_focal.yaml');
    // PAACOPHead outputs probabilities: its builder refuses a logit FocalLoss.
    writeFileSync(file, `_base_: ${resolve(REPO, 'configs/cop/paacop_r18_fpn_short_shapes.yaml')}\nmodel:\n  head:\n    loss_cls: { _delete_: true, type: FocalLoss, use_sigmoid: true, gamma: 2.0, alpha: 0.25, loss_weight: 1.0 }\n`);
    const v = await loadValidatedConfig(file);
    const err = (() => {
      try {
        build('detector', v.config.model, { registry: v.registry, origins: v.origins, path: 'model', extras: { numClasses: 6, rng: new Rng(0) } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.match(err.message, /paacop_focal\.yaml:3: model\.head\.loss_cls: PAACOPHead outputs probabilities; use ProbFocalLoss, not FocalLoss/);
    assert.ok(err.cause instanceof Error && err.cause.constructor === Error, 'the original error is kept as the cause');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
