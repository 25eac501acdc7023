/**
 * SCIM resources per identity provider: which accounts and groups a provider manages, and the
 * memberships that give roles. Every read is scoped to one provider, so one provider's token
 * never reaches another's resources. Prepared statements; callers wrap writes in a transaction
 * with their audit events.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { UserId } from '../../../shared/src/ids.js';

export interface ScimUserRow {
  readonly userId: UserId;
  readonly provider: string;
  readonly userName: string;
  readonly externalId: string | null;
  /** The resource's other attributes as last sent (JSON object). */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ScimGroupRow {
  readonly id: string;
  readonly provider: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface UserRow {
  user_id: string;
  provider: string;
  user_name: string;
  external_id: string | null;
  attributes: string;
  version: number;
  created_at: number;
  updated_at: number;
}

interface GroupRow {
  id: string;
  provider: string;
  display_name: string;
  external_id: string | null;
  version: number;
  created_at: number;
  updated_at: number;
}

const toUser = (r: UserRow): ScimUserRow => ({
  userId: r.user_id as UserId,
  provider: r.provider,
  userName: r.user_name,
  externalId: r.external_id,
  attributes: JSON.parse(r.attributes) as Record<string, unknown>,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toGroup = (r: GroupRow): ScimGroupRow => ({
  id: r.id,
  provider: r.provider,
  displayName: r.display_name,
  externalId: r.external_id,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The filterable attributes (RFC 7644 3.4.2.2 `eq`), per resource type. */
export type ScimUserKey = 'userName' | 'externalId';
export type ScimGroupKey = 'displayName' | 'externalId';

export class ScimStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      user: db.prepare<[string, string], UserRow>(
        'SELECT * FROM scim_users WHERE provider = ? AND user_id = ?',
      ),
      userOf: db.prepare<[string], UserRow>('SELECT * FROM scim_users WHERE user_id = ?'),
      users: db.prepare<[string], UserRow>(
        'SELECT * FROM scim_users WHERE provider = ? ORDER BY created_at, user_id',
      ),
      usersByName: db.prepare<[string, string], UserRow>(
        'SELECT * FROM scim_users WHERE provider = ? AND user_name = ? COLLATE NOCASE',
      ),
      usersByExternal: db.prepare<[string, string], UserRow>(
        'SELECT * FROM scim_users WHERE provider = ? AND external_id = ?',
      ),
      putUser: db.prepare(
        `INSERT INTO scim_users (user_id, provider, user_name, external_id, attributes, version, created_at, updated_at)
         VALUES (@userId, @provider, @userName, @externalId, @attributes, 1, @now, @now)
         ON CONFLICT (user_id) DO UPDATE SET user_name = excluded.user_name,
           external_id = excluded.external_id, attributes = excluded.attributes,
           version = version + 1, updated_at = excluded.updated_at`,
      ),
      removeUser: db.prepare('DELETE FROM scim_users WHERE provider = ? AND user_id = ?'),
      group: db.prepare<[string, string], GroupRow>(
        'SELECT * FROM scim_groups WHERE provider = ? AND id = ?',
      ),
      groups: db.prepare<[string], GroupRow>(
        'SELECT * FROM scim_groups WHERE provider = ? ORDER BY created_at, id',
      ),
      groupsByName: db.prepare<[string, string], GroupRow>(
        'SELECT * FROM scim_groups WHERE provider = ? AND display_name = ? COLLATE NOCASE',
      ),
      groupsByExternal: db.prepare<[string, string], GroupRow>(
        'SELECT * FROM scim_groups WHERE provider = ? AND external_id = ?',
      ),
      insertGroup: db.prepare(
        `INSERT INTO scim_groups (id, provider, display_name, external_id, version, created_at, updated_at)
         VALUES (@id, @provider, @displayName, @externalId, 1, @now, @now)`,
      ),
      updateGroup: db.prepare(
        `UPDATE scim_groups SET display_name = @displayName, external_id = @externalId,
           version = version + 1, updated_at = @now WHERE provider = @provider AND id = @id`,
      ),
      removeGroup: db.prepare('DELETE FROM scim_groups WHERE provider = ? AND id = ?'),
      members: db.prepare<[string], { user_id: string }>(
        'SELECT user_id FROM scim_group_members WHERE group_id = ? ORDER BY user_id',
      ),
      clearMembers: db.prepare('DELETE FROM scim_group_members WHERE group_id = ?'),
      addMember: db.prepare(
        'INSERT OR IGNORE INTO scim_group_members (group_id, user_id) VALUES (?, ?)',
      ),
      groupsOfUser: db.prepare<[string], GroupRow>(
        `SELECT g.* FROM scim_groups g JOIN scim_group_members m ON m.group_id = g.id
         WHERE m.user_id = ? ORDER BY g.display_name`,
      ),
    };
  }

  user(provider: string, userId: string): ScimUserRow | undefined {
    const r = this.stmts.user.get(provider, userId);
    return r === undefined ? undefined : toUser(r);
  }

  /** The SCIM record of an account, whichever provider manages it. */
  userOf(userId: string): ScimUserRow | undefined {
    const r = this.stmts.userOf.get(userId);
    return r === undefined ? undefined : toUser(r);
  }

  /** A provider's users, all or those whose `key` equals `value` (userName case-insensitively). */
  users(provider: string, by?: { key: ScimUserKey; value: string }): ScimUserRow[] {
    const rows =
      by === undefined
        ? this.stmts.users.all(provider)
        : by.key === 'userName'
          ? this.stmts.usersByName.all(provider, by.value)
          : this.stmts.usersByExternal.all(provider, by.value);
    return rows.map(toUser);
  }

  /** Inserts or replaces a user's record (the version counts changes, for meta.version). */
  putUser(u: Omit<ScimUserRow, 'version' | 'createdAt' | 'updatedAt'>, now: number): void {
    this.stmts.putUser.run({ ...u, attributes: JSON.stringify(u.attributes), now });
  }

  /** Forgets a user (memberships go with it); the account itself stays, disabled, for history. */
  removeUser(provider: string, userId: string): boolean {
    return this.stmts.removeUser.run(provider, userId).changes > 0;
  }

  group(provider: string, id: string): ScimGroupRow | undefined {
    const r = this.stmts.group.get(provider, id);
    return r === undefined ? undefined : toGroup(r);
  }

  groups(provider: string, by?: { key: ScimGroupKey; value: string }): ScimGroupRow[] {
    const rows =
      by === undefined
        ? this.stmts.groups.all(provider)
        : by.key === 'displayName'
          ? this.stmts.groupsByName.all(provider, by.value)
          : this.stmts.groupsByExternal.all(provider, by.value);
    return rows.map(toGroup);
  }

  insertGroup(
    g: Pick<ScimGroupRow, 'id' | 'provider' | 'displayName' | 'externalId'>,
    now: number,
  ): void {
    this.stmts.insertGroup.run({ ...g, now });
  }

  updateGroup(
    g: Pick<ScimGroupRow, 'id' | 'provider' | 'displayName' | 'externalId'>,
    now: number,
  ): void {
    this.stmts.updateGroup.run({ ...g, now });
  }

  removeGroup(provider: string, id: string): boolean {
    return this.stmts.removeGroup.run(provider, id).changes > 0;
  }

  members(groupId: string): UserId[] {
    return this.stmts.members.all(groupId).map((r) => r.user_id as UserId);
  }

  setMembers(groupId: string, userIds: readonly string[]): void {
    this.stmts.clearMembers.run(groupId);
    for (const u of userIds) this.stmts.addMember.run(groupId, u);
  }

  groupsOfUser(userId: string): ScimGroupRow[] {
    return this.stmts.groupsOfUser.all(userId).map(toGroup);
  }
}
