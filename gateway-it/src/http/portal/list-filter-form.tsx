/**
 * The search-and-filter bar above a list: a GET form (the filters live in the URL, so a filtered
 * list can be bookmarked and shared) with a text search and a few selects. Only renders; the
 * parsing and filtering are http/list-filters.ts.
 */
export interface FilterSelect {
  readonly name: string;
  readonly label: string;
  readonly options: readonly string[];
  readonly value: string | undefined;
}

export function ListFilterForm(props: {
  action: string;
  q: string | undefined;
  selects: readonly FilterSelect[];
  shown: number;
}) {
  return (
    <form class="card list-filter" method="get" action={props.action} role="search">
      <div class="inline">
        <label>
          Search <input type="search" name="q" value={props.q ?? ''} maxlength={100} />
        </label>
        {props.selects.map((s) => (
          <label>
            {s.label}{' '}
            <select name={s.name}>
              <option value="">any</option>
              {s.options.map((o) => (
                <option value={o} selected={o === s.value}>
                  {o}
                </option>
              ))}
            </select>
          </label>
        ))}
        <button type="submit">Filter</button> <a href={props.action}>clear</a>
      </div>
      <p class="muted">{props.shown} shown.</p>
    </form>
  );
}
