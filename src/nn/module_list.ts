/**
 * An indexed container (torch `nn.ModuleList`/`nn.Sequential` naming): its
 * children are named `0`, `1`, ..., so `layer1.0.conv1.weight` keeps
 * torchvision's names.
 */
import { Module } from './module.js';

export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  push(m: M): M {
    this.items.push(this.child(String(this.items.length), m));
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i];
    if (m === undefined) throw new Error(`ModuleList index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
