/**
 * Lets pending I/O callbacks, timers and signal handlers run. A loop whose
 * awaits all settle as microtasks (prefetched batches, synchronous kernels)
 * never gives the event loop a turn otherwise.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
