/**
 * A promise that resolves on SIGINT or SIGTERM. Create it BEFORE announcing readiness: a
 * supervisor may signal as soon as it reads the ready line, and a signal that arrives before the
 * handler exists kills the process without a clean stop (measured: it happens).
 */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
