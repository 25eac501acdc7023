/**
 * SCIM Groups (RFC 7644) for one provider: create, get, list with `displayName eq` or
 * `externalId eq`, replace, patch (members add/remove/replace, displayName), delete. Members must
 * be this provider's SCIM users (an unknown id is refused with `invalidValue`, nothing changed).
 * Each change is one transaction: the group, its `scim.group_change` event (members added and
 * removed) and the role move of every account whose membership changed (scim-roles.ts).
 */
import type { AirlockError } from '../../../shared/src/errors.js';
import { actorOf, parseBody, resourceTable, type ScimCall, type ScimDeps } from './scim-context.js';
import { badValue, scimError } from './scim-errors.js';
import { GROUP_SCHEMA, GROUP_SHAPE, groupInput, meta, type GroupInput } from './scim-resources.js';
import { syncRoles } from './scim-roles.js';
import type { ScimGroupRow } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

const notFound = (id: string): AirlockError =>
  scimError('not_found', 'scim.group_not_found', `no group ${id}`);

export class ScimGroups {
  private readonly table = resourceTable({
    notFound,
    one: (provider, id) => this.deps.scim.group(provider, id),
    keys: ['displayName', 'externalId'] as const,
    find: (provider, by) => this.deps.scim.groups(provider, by),
    render: (call, row: ScimGroupRow) => this.render(call, row),
    input: groupInput,
    schema: GROUP_SCHEMA,
    shape: GROUP_SHAPE,
    editable: (_call, row) => ({
      displayName: row.displayName,
      ...(row.externalId === null ? {} : { externalId: row.externalId }),
      members: this.deps.scim.members(row.id).map((value) => ({ value })),
    }),
  });

  constructor(private readonly deps: ScimDeps) {}

  render(call: ScimCall, row: ScimGroupRow): Record<string, unknown> {
    return {
      schemas: [GROUP_SCHEMA],
      id: row.id,
      displayName: row.displayName,
      ...(row.externalId === null ? {} : { externalId: row.externalId }),
      members: this.deps.scim.members(row.id).map((u) => ({
        value: u,
        display: this.deps.scim.user(call.provider.id, u)?.userName ?? u,
        $ref: `${call.base}/Users/${u}`,
      })),
      meta: meta('Group', `${call.base}/Groups/${row.id}`, row),
    };
  }

  get(call: ScimCall, id: string): Record<string, unknown> {
    return this.table.get(call, id);
  }

  list(call: ScimCall, query: URLSearchParams): Record<string, unknown> {
    return this.table.list(call, query);
  }

  create(call: ScimCall, body: unknown): Record<string, unknown> {
    const input = parseBody(groupInput, body);
    const id = this.deps.ids.next('scg');
    this.write(call, undefined, id, input);
    return this.get(call, id);
  }

  replace(call: ScimCall, id: string, body: unknown): Record<string, unknown> {
    const { row, input } = this.table.replacement(call, id, body);
    this.write(call, row, id, input);
    return this.get(call, id);
  }

  patch(call: ScimCall, id: string, body: unknown): Record<string, unknown> {
    const { row, input } = this.table.patched(call, id, body);
    this.write(call, row, id, input);
    return this.get(call, id);
  }

  delete(call: ScimCall, id: string): void {
    const { deps } = this;
    const row = this.table.existing(call, id);
    writeTransaction(deps.db, () => {
      const before = deps.scim.members(id);
      deps.scim.removeGroup(call.provider.id, id);
      deps.userAdmin.accountChanges.tell(
        deps.audit.append({
          action: 'scim.group_change',
          actor: actorOf(call),
          target: row.displayName,
          outcome: 'success',
          details: { groupId: id, change: 'delete', removed: this.names(before) },
        }),
      );
      syncRoles(deps, call.provider, before, `group ${row.displayName} deleted`);
    })();
  }

  /** Creates (`row` undefined) or replaces a group with its members; moves the roles. */
  private write(
    call: ScimCall,
    row: ScimGroupRow | undefined,
    id: string,
    input: GroupInput,
  ): void {
    const { deps } = this;
    const provider = call.provider.id;
    const members = [...new Set(input.members.map((m) => m.value))];
    for (const m of members)
      if (deps.scim.user(provider, m) === undefined) throw badValue(`members: no user ${m}`);
    const clash = deps.scim
      .groups(provider, { key: 'displayName', value: input.displayName })
      .some((g) => g.id !== id);
    if (clash)
      throw scimError(
        'conflict',
        'scim.group_exists',
        `a group named ${input.displayName} exists`,
        'uniqueness',
      );
    const now = deps.clock.now();
    writeTransaction(deps.db, () => {
      const before: string[] = row === undefined ? [] : deps.scim.members(id);
      const group = {
        id,
        provider,
        displayName: input.displayName,
        externalId: input.externalId ?? null,
      };
      if (row === undefined) deps.scim.insertGroup(group, now);
      else deps.scim.updateGroup(group, now);
      deps.scim.setMembers(id, members);
      const added = members.filter((m) => !before.includes(m));
      const removed = before.filter((m) => !members.includes(m));
      deps.userAdmin.accountChanges.tell(
        deps.audit.append({
          action: 'scim.group_change',
          actor: actorOf(call),
          target: input.displayName,
          outcome: 'success',
          details: {
            groupId: id,
            change: row === undefined ? 'create' : 'update',
            ...(row !== undefined && row.displayName !== input.displayName
              ? { previousDisplayName: row.displayName }
              : {}),
            added: this.names(added),
            removed: this.names(removed),
          },
        }),
      );
      // A rename changes what the mapping sees for every member, so all of them are checked.
      syncRoles(deps, call.provider, [...before, ...members], `group ${input.displayName} changed`);
    })();
  }

  /** Account names for the audit (ids of accounts that vanished stay ids). */
  private names(ids: readonly string[]): string[] {
    return ids.slice(0, 200).map((u) => this.deps.users.getById(u)?.name ?? u);
  }
}
