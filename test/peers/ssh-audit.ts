/**
 * Debian's `ssh-audit` (installed by .ci/install-peers) run against an SSH server on 127.0.0.1, or
 * as a server auditing the SSH client that connects to it (`-c`), its text report parsed: each
 * algorithm with its [fail]/[warn] notes, and the compression line.
 * Exit codes of ssh-audit 2.5: 0 good, 1 connection error, 2 warnings, 3 failures.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface SshAuditNote {
  /** `kex`, `key`, `enc`, `mac` (the report's section tags). */
  readonly kind: string;
  readonly algorithm: string;
  readonly level: 'fail' | 'warn' | 'info';
  readonly text: string;
}

export interface SshAuditReport {
  readonly exitCode: number;
  readonly text: string;
  /** Every algorithm offered, by section tag. */
  readonly algorithms: Readonly<Record<string, readonly string[]>>;
  readonly notes: readonly SshAuditNote[];
  /** The `(gen) compression:` line, e.g. `disabled`. */
  readonly compression: string | undefined;
}

export function runSshAudit(port: number): Promise<SshAuditReport> {
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/ssh-audit',
      ['-n', '-t', '20', '-p', String(port), '127.0.0.1'],
      { timeout: 60_000 },
      (error, stdout) => {
        const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        if (exitCode === -1) return reject(error ?? new Error('ssh-audit failed'));
        resolve(parseSshAudit(stdout, exitCode));
      },
    );
  });
}

/**
 * Starts `ssh-audit -c` on `port` (it audits the first client that connects, then exits) and
 * resolves with its report once it exits; the caller connects its client meanwhile.
 */
export function auditClient(port: number): { readonly report: Promise<SshAuditReport> } {
  const report = new Promise<SshAuditReport>((resolve, reject) => {
    execFile(
      '/usr/bin/ssh-audit',
      ['-n', '-c', '-t', '20', '-p', String(port)],
      { timeout: 60_000 },
      (error, stdout) => {
        const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        if (exitCode === -1) return reject(error ?? new Error('ssh-audit failed'));
        resolve(parseSshAudit(stdout, exitCode));
      },
    );
  });
  return { report };
}

export function parseSshAudit(text: string, exitCode: number): SshAuditReport {
  const algorithms: Record<string, string[]> = {};
  const notes: SshAuditNote[] = [];
  let current: { kind: string; algorithm: string } | undefined;
  let compression: string | undefined;
  for (const line of text.split('\n')) {
    const gen = /^\(gen\) compression: (.*)$/.exec(line);
    if (gen !== null) compression = gen[1]?.trim();
    const alg = /^\((kex|key|enc|mac)\) (\S+)(?:\s+-- \[(fail|warn|info)\] (.*))?$/.exec(line);
    if (alg !== null) {
      const [, kind = '', algorithm = ''] = alg;
      current = { kind, algorithm };
      (algorithms[kind] ??= []).push(algorithm);
      if (alg[3] !== undefined)
        notes.push({ ...current, level: alg[3] as SshAuditNote['level'], text: alg[4] ?? '' });
      continue;
    }
    const more = /^\s+`- \[(fail|warn|info)\] (.*)$/.exec(line);
    if (more !== null && current !== undefined) {
      notes.push({ ...current, level: more[1] as SshAuditNote['level'], text: more[2] ?? '' });
      continue;
    }
    if (!/^\s/.test(line)) current = undefined;
  }
  return { exitCode, text, algorithms, notes, compression };
}

/** The ssh-audit warnings docs/ssh.md accepts (its table rows: | `algorithm` | `[warn] text` | why |). */
export function documentedSshAuditWarnings(): Set<string> {
  const doc = readFileSync(new URL('../../../docs/ssh.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `([^`]+)` \| `\[warn\] ([^`]+)` \|/gm)];
  return new Set(rows.map((m) => `${m[1]}: ${m[2]}`));
}
