/** Test setup for anything that signs or hashes: libsodium must be ready first. */
import { before } from 'node:test';
import { initCrypto } from '../crypto/sodium.js';

export function useCrypto(): void {
  before(async () => {
    await initCrypto();
  });
}
