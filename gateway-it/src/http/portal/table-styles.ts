/**
 * Styles that keep tables and long values inside the page (issue 20: an audit table was 3,176 px
 * wide on a 1,280 px screen; the access lists up to 566 px on a 390 px phone): long words, ids and hashes wrap; a `table.stack` becomes one card
 * per row on a narrow screen, each cell labelled from its `data-label`; filter forms sit on one
 * row where there is room. Appended to the portal's stylesheet (static-assets.ts), served as a file
 * like the rest (the CSP refuses inline styles).
 */
export const TABLE_CSS = `
/* Words break only when they cannot fit (a name never splits); ids and hashes in code break anywhere. */
dd, li, p, td, th { overflow-wrap:break-word; }
.badge { white-space:nowrap; }
td code, dd code, li code, p code { white-space:pre-wrap; overflow-wrap:anywhere; }
/* A learning proposal's diff lines (JSON node rules) wrap instead of widening the page on a phone. */
pre.profile-diff { white-space:pre-wrap; overflow-wrap:anywhere; }
/* Fixed columns for events: the short ones sized for their values, the details view takes the rest. */
table.events { table-layout:fixed; }
table.events th:nth-child(1) { width:7.5rem; } table.events th:nth-child(2) { width:6rem; }
table.events th:nth-child(3) { width:10.5rem; } table.events th:nth-child(4) { width:6rem; }
table.events th:nth-child(5) { width:7rem; }
table.events td { overflow-wrap:anywhere; }
/* The date on one line, the time of day on the next. */
table.events td:first-child time { display:inline-block; max-width:6rem; }
code.hash { font-size:.75rem; }
details.event-details > summary { cursor:pointer; color:var(--accent); }
dl.fields { display:grid; grid-template-columns:minmax(6rem, max-content) minmax(0, 1fr); gap:.15rem .8rem; margin:.4rem 0 0; font-size:.9rem; }
dl.fields dt { font-weight:600; color:var(--muted); } dl.fields dd { margin:0; min-width:0; overflow-wrap:anywhere; }
/* A nested value (a rule, a list of assets) reads as an indented list, not a grid in a grid. */
dl.fields dl.fields { display:block; margin:0; } dl.fields dl.fields dd { margin:0 0 .2rem .8rem; }
dd ol { margin:0; padding-left:1.2rem; }
ul.hits { padding-left:1.2rem; } ul.hits details { margin:.1rem 0 .4rem; }
.badge.success { background:#d8f0dd; color:var(--ok); } .badge.failure { background:#fde2e6; color:var(--bad); }
form.filters { display:flex; flex-wrap:wrap; gap:.2rem 1rem; align-items:flex-end; margin:0 0 1rem; }
form.filters > div { flex:1 1 12rem; min-width:0; } form.filters > div > label { margin-top:.2rem; }
form.filters input, form.filters select { max-width:100%; }
/* The search bar of a list (requests, grants, accounts, sessions) wraps. */
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
