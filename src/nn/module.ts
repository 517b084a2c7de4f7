/**
 * A small PyTorch-like module tree on tfjs-core.
 *
 * Parameters and buffers are tfjs variables kept under stable dotted names
 * (`layer1.0.conv1.weight`), in registration order, so checkpoints and
 * torchvision-layout weights map onto them one to one. tfjs' own variable
 * names are left automatic: they must be globally unique, ours only per model.
 */
import { tf, type Tensor, type Variable } from '../engine/tf.js';

export class Module {
  /** Train mode: BatchNorm uses batch statistics and updates its buffers. */
  training = true;
  private readonly ownParams = new Map<string, Variable>();
  private readonly ownBuffers = new Map<string, Variable>();
  private readonly ownChildren = new Map<string, Module>();

  /** Registers a parameter initialised from `init` (which the module takes over and disposes). */
  protected param(name: string, init: Tensor, trainable = true): Variable {
    this.assertFreeName(name);
    const v = tf.variable(init, trainable);
    init.dispose();
    this.ownParams.set(name, v);
    return v;
  }

  /** Registers a non-trainable state tensor saved in checkpoints (e.g. BN running mean). */
  protected buffer(name: string, init: Tensor): Variable {
    this.assertFreeName(name);
    const v = tf.variable(init, false);
    init.dispose();
    this.ownBuffers.set(name, v);
    return v;
  }

  /** Registers a submodule; its names are prefixed with `name.`. */
  protected child<M extends Module>(name: string, module: M): M {
    this.assertFreeName(name);
    this.ownChildren.set(name, module);
    return module;
  }

  private assertFreeName(name: string): void {
    if (name.length === 0 || name.includes('.')) throw new Error(`invalid module member name '${name}'`);
    if (this.ownParams.has(name) || this.ownBuffers.has(name) || this.ownChildren.has(name)) {
      throw new Error(`'${name}' is registered twice in ${this.constructor.name}`);
    }
  }

  /** Direct submodules in registration order. */
  children(): [string, Module][] {
    return [...this.ownChildren.entries()];
  }

  /** This module and every descendant with its dotted path ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.ownChildren) out.push(...m.namedModules(join(prefix, name)));
    return out;
  }

  /** Every parameter (trainable or frozen) with its dotted name. */
  namedParameters(prefix = ''): [string, Variable][] {
    const out: [string, Variable][] = [];
    for (const [name, v] of this.ownParams) out.push([join(prefix, name), v]);
    for (const [name, m] of this.ownChildren) out.push(...m.namedParameters(join(prefix, name)));
    return out;
  }

  namedBuffers(prefix = ''): [string, Variable][] {
    const out: [string, Variable][] = [];
    for (const [name, v] of this.ownBuffers) out.push([join(prefix, name), v]);
    for (const [name, m] of this.ownChildren) out.push(...m.namedBuffers(join(prefix, name)));
    return out;
  }

  /** Parameters that receive gradients. */
  trainableParameters(prefix = ''): [string, Variable][] {
    return this.namedParameters(prefix).filter(([, v]) => v.trainable);
  }

  /** Number of scalar parameters, frozen ones included (as torchvision counts). */
  numParameters(): number {
    return this.namedParameters().reduce((n, [, v]) => n + v.size, 0);
  }

  /** Sets train/eval mode on the whole tree; returns this for chaining. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Marks every parameter of the tree as frozen (`false`) or trainable. */
  setTrainable(trainable: boolean): this {
    for (const [, v] of this.namedParameters()) v.trainable = trainable;
    return this;
  }

  /** Parameters then buffers by dotted name; the tensors are the live variables. */
  stateDict(): Map<string, Variable> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies tensors into the matching variables. With `strict`, a missing or
   * unexpected name, or a shape mismatch, is an error listing every such key.
   */
  loadStateDict(state: Map<string, Tensor>, strict = true): { missing: string[]; unexpected: string[] } {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [k, t] of state) {
      const v = own.get(k);
      if (v !== undefined && !sameShape(v.shape, t.shape)) {
        mismatched.push(`${k}: checkpoint [${t.shape.join(', ')}] vs model [${v.shape.join(', ')}]`);
      }
    }
    const problems = [
      ...(strict && missing.length > 0 ? [`missing keys: ${missing.join(', ')}`] : []),
      ...(strict && unexpected.length > 0 ? [`unexpected keys: ${unexpected.join(', ')}`] : []),
      ...(mismatched.length > 0 ? [`shape mismatches: ${mismatched.join('; ')}`] : []),
    ];
    if (problems.length > 0) throw new Error(`cannot load state into ${this.constructor.name}:\n  ${problems.join('\n  ')}`);
    for (const [k, t] of state) {
      const v = own.get(k);
      if (v !== undefined) v.assign(t.dtype === v.dtype ? t : tf.cast(t, v.dtype));
    }
    return { missing, unexpected };
  }

  /** Frees every parameter and buffer of the tree. */
  dispose(): void {
    for (const [, v] of this.stateDict()) v.dispose();
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
