/** Every supervisor with a small configuration, for the tests that must hold for all of them. */
import type { Component, ComponentConfig } from '../../src/registry/component.js';
import { LABELENC_SMALL } from './helpers.js';

export interface SupervisorCase {
  name: string;
  detector: 'retinanet' | 'fcos';
  config: ComponentConfig;
  parts: Component<unknown, unknown>[];
}

export const SUPERVISOR_CASES: SupervisorCase[] = [
  { name: 'LGD', detector: 'retinanet', config: { type: 'LGD' }, parts: [] },
  { name: 'LabelEnc Step 1', detector: 'retinanet', config: { type: 'LabelEnc', ...LABELENC_SMALL }, parts: [] },
  { name: 'LGD without context', detector: 'fcos', config: { type: 'LGD', context_box: false, share_head: false }, parts: [] },
];
