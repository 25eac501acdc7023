/**
 * Runs `nft` with a ruleset on its standard input. `nft -f` applies a file as one transaction:
 * either every statement in it takes effect or none does, so a ruleset that fails to load leaves
 * the rules already loaded in place. Loading needs CAP_NET_ADMIN in the network namespace.
 */
import { spawn } from 'node:child_process';
import { AirlockError } from '../../../shared/src/errors.js';

const NFT_TIMEOUT_MS = 30_000;

/** Loads `text` with `nft -f -` (with `check`: `nft -c -f -`, which validates and applies nothing). */
export function runNft(nftPath: string, text: string, check = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(nftPath, [...(check ? ['-c'] : []), '-f', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), NFT_TIMEOUT_MS);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        new AirlockError(
          'unavailable',
          'firewall.nft_missing',
          `cannot run ${nftPath}: ${e.message}`,
          {
            cause: e,
          },
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new AirlockError(
            'unavailable',
            'firewall.load_failed',
            `${nftPath} ${check ? 'refused' : 'did not load'} the ruleset (${signal ?? `exit ${String(code)}`}): ${stderr.trim() || 'no message'}`,
          ),
        );
    });
    child.stdin.end(text);
  });
}
