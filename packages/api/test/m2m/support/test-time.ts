/** A clock that moves only when the test says so (epoch ms). */
export interface ManualClock {
  now(): number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
    set: (ms) => {
      time = ms;
    },
  };
}

/** A `sleep` that returns at once and records what it was asked to wait, so delays are asserted exactly. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

/** Resolves on the first event matching `predicate` that is passed to the returned `onEvent`. */
export function eventWaiter<E>(): {
  onEvent: (event: E) => void;
  events: E[];
  next(predicate: (event: E) => boolean): Promise<E>;
} {
  const events: E[] = [];
  const waiting: { predicate: (event: E) => boolean; resolve: (event: E) => void }[] = [];
  return {
    events,
    onEvent(event) {
      events.push(event);
      for (const waiter of [...waiting]) {
        if (waiter.predicate(event)) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    },
    next: (predicate) => new Promise((resolve) => waiting.push({ predicate, resolve })),
  };
}
