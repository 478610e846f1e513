/** Time, injected so that tests move it instead of sleeping. Milliseconds since the epoch, UTC. */
export type Clock = { now(): number };

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests control: starts at `start` and moves only when told. */
export function createManualClock(start = Date.UTC(2026, 0, 1)) {
  let current = start;
  return {
    now: () => current,
    set(ms: number) {
      current = ms;
    },
    advance(ms: number) {
      current += ms;
    },
  };
}
export type ManualClock = ReturnType<typeof createManualClock>;
