/**
 * Starting the daemon as a list of steps, each returning how to stop what it started, and one teardown
 * that stops them in reverse order. A step that fails stops the ones already started, in reverse, and its
 * own error is what the caller gets.
 */

/** Stops what a step started. */
export type Teardown = () => Promise<void> | void;

export interface StartStep {
  /** What the step starts, for logs. */
  name: string;
  /** Starts it; returns how to stop it, or nothing when there is nothing to stop. */
  start: () => Promise<Teardown | undefined> | Teardown | undefined;
}

/** A teardown that failed: the others still run; said through `onTeardownError` (default: thrown at the end). */
export type TeardownErrorHandler = (step: string, err: unknown) => void;

/**
 * Runs `steps` in order. Resolves to the teardown of them all (reverse order; every one runs even when an
 * earlier one fails, and the first failure is thrown at the end). When a step throws, the steps already
 * started are torn down in reverse (their failures go to `onTeardownError`) and the step's error is thrown.
 */
export async function startSteps(
  steps: readonly StartStep[],
  onTeardownError: TeardownErrorHandler = () => {},
): Promise<() => Promise<void>> {
  const started: { name: string; stop: Teardown }[] = [];
  const stopAll = async (report: TeardownErrorHandler): Promise<void> => {
    while (started.length > 0) {
      const s = started.pop()!;
      try {
        await s.stop();
      } catch (e) {
        report(s.name, e);
      }
    }
  };
  for (const step of steps) {
    try {
      const stop = await step.start();
      if (stop) started.push({ name: step.name, stop });
    } catch (e) {
      await stopAll(onTeardownError);
      throw e;
    }
  }
  return async () => {
    let first: { err: unknown } | undefined;
    await stopAll((name, err) => {
      onTeardownError(name, err);
      first ??= { err };
    });
    if (first) throw first.err;
  };
}
