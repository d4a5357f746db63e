// Waiting for a condition no event announces (a process up, a key gone, a status changed): the
// condition is checked again every `everyMs` until it holds or the deadline passes. Never a fixed
// sleep standing in for the wait.

export interface UntilOptions {
  timeoutMs?: number;
  everyMs?: number;
  /** The error's message on timeout; called then, so it can tell what was seen last. */
  failure?: () => string;
}

/** Resolves once `check` holds; rejects after `timeoutMs`, or as soon as `check` throws. */
export async function until(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, everyMs = 50, failure = () => 'condition not met in time' }: UntilOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
