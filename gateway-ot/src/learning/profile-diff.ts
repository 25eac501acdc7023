/**
 * A line diff of two profiles as the policy file would show them (two-space JSON), for the OT
 * owner's review: ` ` kept, `-` only in the current profile, `+` only in the proposal. A plain
 * longest-common-subsequence diff: profiles are small (hundreds of lines at most), so its quadratic
 * cost does not matter here; it is not a general-purpose diff.
 */
export function profileDiff(current: unknown, proposed: unknown): string {
  const a = current === undefined ? [] : JSON.stringify(current, null, 2).split('\n');
  const b = JSON.stringify(proposed, null, 2).split('\n');
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j]
          ? (lcs[i + 1]?.[j + 1] ?? 0) + 1
          : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i] ?? ''}`);
      i++;
      j++;
    } else if (j < m && (i >= n || (lcs[i]?.[j + 1] ?? 0) >= (lcs[i + 1]?.[j] ?? 0))) {
      out.push(`+ ${b[j] ?? ''}`);
      j++;
    } else {
      out.push(`- ${a[i] ?? ''}`);
      i++;
    }
  }
  return out.join('\n');
}
