/**
 * Building detection components in tests without the registry store: schema
 * defaults are applied here (shallowly, as the options are flat maps of
 * defaults) and nested losses are built from their own components.
 */
import type { BuildContext, Component, ComponentConfig, ComponentKind, OptionsSchema } from '../../src/registry/component.js';
import { CrossEntropyLoss } from '../../registry/losses/cross_entropy_loss.js';
import { FocalLoss } from '../../registry/losses/focal_loss.js';
import { GIoULoss } from '../../registry/losses/giou_loss.js';
import { IoULoss } from '../../registry/losses/iou_loss.js';
import { L1Loss } from '../../registry/losses/l1_loss.js';
import { SmoothL1Loss } from '../../registry/losses/smooth_l1_loss.js';

const LOSSES = [FocalLoss, SmoothL1Loss, L1Loss, IoULoss, GIoULoss, CrossEntropyLoss] as Component<unknown, unknown>[];

export function withDefaults(schema: OptionsSchema, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(schema.properties)) out[k] = structuredClone(p.default);
  for (const [k, v] of Object.entries(overrides)) {
    const base = out[k];
    const merge = typeof base === 'object' && base !== null && !Array.isArray(base) && typeof v === 'object' && v !== null && !Array.isArray(v) && !('type' in v);
    out[k] = merge ? { ...base, ...v } : v;
  }
  return out;
}

export function fakeContext(path: string, extras: Record<string, unknown> = {}, others: Component<unknown, unknown>[] = []): BuildContext {
  const all = [...LOSSES, ...others];
  const ctx: BuildContext = {
    path,
    extras,
    build<T>(kind: ComponentKind, config: ComponentConfig, at: string): T {
      const c = all.find((x) => x.kind === kind && x.name === config.type);
      if (c === undefined) throw new Error(`test context: no ${kind} '${config.type}'`);
      const rest: Record<string, unknown> = { ...config };
      delete rest.type;
      return c.build(withDefaults(c.schema, rest), { ...ctx, path: at }) as T;
    },
  };
  return ctx;
}

export function buildComponent<T>(c: Component<unknown, unknown>, overrides: Record<string, unknown>, extras: Record<string, unknown> = {}, others: Component<unknown, unknown>[] = []): T {
  return fakeContext('model', extras, [c, ...others]).build<T>(c.kind, { type: c.name, ...overrides }, 'model');
}
