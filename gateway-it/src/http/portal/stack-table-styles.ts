/**
 * Styles that keep the access lists inside a phone's width (issue 20: judged at 390×844): long
 * words and ids wrap (in cells only where they must, so short words never split on a desktop), and a `table.stack` becomes one card per row below 720 px, each cell
 * labelled from its `data-label`; the search bar of a list wraps. The same class and rules as
 * the audit pages' tables use, so a table looks the same wherever it is. Appended to the portal's
 * stylesheet (static-assets.ts), served as a file (the CSP refuses inline styles).
 */
export const STACK_TABLE_CSS = `
td, th { overflow-wrap:break-word; } li, p { overflow-wrap:anywhere; }
.badge { white-space:nowrap; }
td code { white-space:pre-wrap; word-break:break-word; }
form.list-filter .inline { display:flex; flex-wrap:wrap; gap:.4rem .8rem; align-items:center; }
form.list-filter input[type=search] { padding:.35rem .5rem; border:1px solid #aab3bd; border-radius:4px; font:inherit; max-width:100%; }
form.list-filter select { width:auto; }
@media (max-width: 720px) {
  main { padding:0 .6rem; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display:block; width:100%; }
  table.stack thead { display:none; }
  table.stack tr { border-bottom:2px solid var(--line); padding:.3rem 0; }
  table.stack td { border:0; padding:.15rem .6rem; }
  table.stack td[data-label]::before { content:attr(data-label); display:block; font-size:.75rem; font-weight:600; color:var(--muted); }
}
`;
