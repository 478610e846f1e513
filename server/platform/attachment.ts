/**
 * A value attached to an object for as long as the object lives: what a WeakMap (or WeakSet) keyed
 * by that object gives, without the weak table.
 *
 * V8's young-generation collector treats a weak table's entries as live until the next full
 * collection, however short-lived their keys: each scavenge copies the values (and all they reach),
 * then promotes them to the old generation, where they wait for a major collection. Measured with
 * a table keyed by objects dropped at once: 52–56 MB surviving each scavenge and 108–118 ms pauses,
 * against 0.4 MB and 0.5 ms without the table; a WeakSet kept survivors small but paused 52 ms
 * walking its grown table. The capture path tags the rows and lists of each batch, which live
 * for milliseconds; as weak-table keys they made every scavenge of a busy server copy megabytes
 * and pause for 10–30 ms.
 *
 * The value sits on the object under a symbol of its own, not enumerable: `Object.keys`, spreads,
 * `Object.assign` and `JSON.stringify` do not see it, so a copy of the object carries nothing.
 */
export type Attachment<V> = {
  get(target: object): V | undefined;
  has(target: object): boolean;
  set(target: object, value: V): void;
};

export function attachment<V = true>(description: string): Attachment<V> {
  const key = Symbol(description);
  return {
    get: (target) => (Object.hasOwn(target, key) ? (target as Record<symbol, V>)[key] : undefined),
    has: (target) => Object.hasOwn(target, key),
    set: (target, value) => {
      Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
    },
  };
}
