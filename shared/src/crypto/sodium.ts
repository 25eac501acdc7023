/**
 * The one place libsodium is loaded. It needs an asynchronous start, so every process calls
 * `initCrypto()` once at start (main.ts, test setup) and code then uses `sodium()` synchronously.
 * We use the sumo build of libsodium-wrappers: the standard build lacks crypto_pwhash (argon2id).
 */
import sodiumModule from 'libsodium-wrappers-sumo';

type Sodium = typeof sodiumModule;
let ready: Sodium | undefined;
let starting: Promise<void> | undefined;

export function initCrypto(): Promise<void> {
  starting ??= sodiumModule.ready.then(() => {
    ready = sodiumModule;
  });
  return starting;
}

export function sodium(): Sodium {
  if (ready === undefined) throw new Error('crypto used before initCrypto() finished');
  return ready;
}
