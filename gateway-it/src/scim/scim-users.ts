/**
 * SCIM Users (RFC 7644 3.3-3.6) for one provider: create, get, list with `userName eq` or
 * `externalId eq`, replace, patch, delete. A user is an account bound to the provider:
 *  - a new userName creates an account (no password: it logs in through the provider's SSO) and,
 *    when externalId is given, binds it to (issuer, externalId) so an SSO login whose subject is
 *    that externalId finds this account; an identity an admin already linked to an account is
 *    taken over by its (issuer, subject), never by a matching name or e-mail (never a local
 *    admin or break-glass account: those stay the gateway's own);
 *  - `active: false` disables the account through UserAdmin, which runs the leaver's whole exit
 *    (sessions on both gateways, grants, requests, SSH keys, portal sessions; all audited);
 *  - DELETE does the same and forgets the SCIM record (GET answers 404); the account stays,
 *    disabled, so its history and audit trail keep their subject.
 * Roles come from groups only (scim-groups.ts); a new user has none until a group gives one.
 */
import { type AirlockError } from '../../../shared/src/errors.js';
import type { UserId } from '../../../shared/src/ids.js';
import { USER_NAME_PATTERN } from '../auth/auth.js';
import { baseUserName, uniqueUserName } from '../sso/sso.js';
import type { ScimUserRow, User } from '../store/store.js';
import { actorOf, parseBody, resourceTable, type ScimCall, type ScimDeps } from './scim-context.js';
import { scimError } from './scim-errors.js';
import { meta, USER_SCHEMA, USER_SHAPE, userInput, type UserInput } from './scim-resources.js';
import { syncRoles } from './scim-roles.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

const notFound = (id: string): AirlockError =>
  scimError('not_found', 'scim.user_not_found', `no user ${id}`);

function displayNameOf(input: UserInput): string {
  const n = input.name;
  const given = [n?.givenName, n?.familyName].filter((x) => x !== undefined).join(' ');
  return (input.displayName ?? n?.formatted ?? (given === '' ? input.userName : given)).slice(
    0,
    100,
  );
}

function attributesOf(input: UserInput): Record<string, unknown> {
  return {
    ...(input.displayName === undefined ? {} : { displayName: input.displayName }),
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.emails === undefined ? {} : { emails: input.emails }),
  };
}

export class ScimUsers {
  private readonly table = resourceTable({
    notFound,
    one: (provider, id) => this.deps.scim.user(provider, id),
    keys: ['userName', 'externalId'] as const,
    find: (provider, by) => this.deps.scim.users(provider, by),
    render: (call, row: ScimUserRow) => this.render(call, row),
    input: userInput,
    schema: USER_SCHEMA,
    shape: USER_SHAPE,
    // What a client sees of the resource, limited to what PATCH may change.
    editable: (call, row) => {
      const current = this.render(call, row);
      return Object.fromEntries(
        USER_SHAPE.attributes.filter((a) => current[a] !== undefined).map((a) => [a, current[a]]),
      );
    },
  });

  constructor(private readonly deps: ScimDeps) {}

  render(call: ScimCall, row: ScimUserRow, account?: User): Record<string, unknown> {
    const user = account ?? this.deps.users.getById(row.userId);
    const location = `${call.base}/Users/${row.userId}`;
    return {
      schemas: [USER_SCHEMA],
      id: row.userId,
      ...(row.externalId === null ? {} : { externalId: row.externalId }),
      userName: row.userName,
      ...row.attributes,
      displayName: user?.displayName ?? row.userName,
      active: user?.state === 'active',
      groups: this.deps.scim.groupsOfUser(row.userId).map((g) => ({
        value: g.id,
        display: g.displayName,
        $ref: `${call.base}/Groups/${g.id}`,
      })),
      meta: meta('User', location, row),
    };
  }

  get(call: ScimCall, id: string): Record<string, unknown> {
    return this.table.get(call, id);
  }

  list(call: ScimCall, query: URLSearchParams): Record<string, unknown> {
    return this.table.list(call, query);
  }

  create(call: ScimCall, body: unknown): Record<string, unknown> {
    const input = parseBody(userInput, body);
    const { deps } = this;
    const provider = call.provider;
    const actor = actorOf(call);
    this.checkUnique(call, input, undefined);
    const now = deps.clock.now();
    const { userId, adopted } = writeTransaction(deps.db, () => {
      const identity =
        input.externalId === undefined
          ? undefined
          : deps.sso.identity(provider.config.issuer, input.externalId);
      if (identity !== undefined && deps.scim.userOf(identity.userId) !== undefined)
        throw scimError(
          'conflict',
          'scim.identity_managed',
          `the identity ${input.externalId ?? ''} is already provisioned`,
          'uniqueness',
        );
      const adoptedUser = identity === undefined ? undefined : deps.users.getById(identity.userId);
      // The local admins and break-glass accounts stay the gateway's own: were the provider to
      // manage them, a group change could take the last admin's role away.
      if (
        adoptedUser !== undefined &&
        (adoptedUser.canBreakGlass || adoptedUser.roles.some((r) => r.role === 'admin'))
      )
        throw scimError(
          'conflict',
          'scim.local_admin',
          `account ${adoptedUser.name} is a local admin or break-glass account and is not provisioned`,
          'uniqueness',
        );
      const id = adoptedUser?.id ?? (deps.ids.next('usr') as UserId);
      if (adoptedUser === undefined) {
        const name = uniqueUserName(
          baseUserName({ userName: input.userName }, 'userName'),
          (n) => !USER_NAME_PATTERN.test(n) || deps.users.getByName(n) !== undefined,
        );
        deps.users.insert({
          id,
          name,
          displayName: displayNameOf(input),
          passwordHash: null,
          totpSecretSealed: null,
          totpEnrolledAt: null,
          company: null,
          contractEnd: null,
          canBreakGlass: false,
          roles: [],
          createdAt: now,
        });
        if (input.active === false) deps.users.setState(id, 'disabled');
        if (input.externalId !== undefined)
          deps.sso.bind({
            issuer: provider.config.issuer,
            subject: input.externalId,
            userId: id,
            provider: provider.id,
            email: null,
            createdAt: now,
          });
      }
      deps.scim.putUser(
        {
          userId: id,
          provider: provider.id,
          userName: input.userName,
          externalId: input.externalId ?? null,
          attributes: attributesOf(input),
        },
        now,
      );
      deps.userAdmin.accountChanges.tell(
        deps.audit.append({
          action: adoptedUser === undefined ? 'user.create' : 'user.update',
          actor,
          target: adoptedUser?.name ?? deps.users.getById(id)?.name ?? id,
          outcome: 'success',
          details: {
            userId: id,
            via: 'scim',
            scim: { userName: input.userName, externalId: input.externalId ?? null },
            ...(adoptedUser === undefined
              ? { roles: [], active: input.active ?? true, mfa: 'at-first-login' }
              : { adopted: true, issuer: provider.config.issuer }),
          },
        }),
      );
      // A taken-over account's roles become what its groups give (none yet).
      if (adoptedUser !== undefined) syncRoles(deps, provider, [id], 'provisioned');
      return { userId: id, adopted: adoptedUser !== undefined };
    })();
    if (adopted) this.applyAccount(call, userId, input);
    return this.get(call, userId);
  }

  replace(call: ScimCall, id: string, body: unknown): Record<string, unknown> {
    const { row, input } = this.table.replacement(call, id, body);
    return this.store(call, row, input);
  }

  patch(call: ScimCall, id: string, body: unknown): Record<string, unknown> {
    const { row, input } = this.table.patched(call, id, body);
    return this.store(call, row, input);
  }

  /** Disables the account (the leaver's exit, audited) and forgets the SCIM record. */
  delete(call: ScimCall, id: string): void {
    const { deps } = this;
    const row = this.table.existing(call, id);
    const user = deps.users.getById(row.userId);
    if (user?.state === 'active')
      deps.userAdmin.updateUser(row.userId, { state: 'disabled' }, { cli: actorOf(call) });
    writeTransaction(deps.db, () => {
      const groups = deps.scim.groupsOfUser(row.userId).map((g) => g.displayName);
      deps.scim.removeUser(call.provider.id, row.userId);
      const previous = deps.users.getById(row.userId)?.roles ?? [];
      deps.users.replaceRoles(row.userId, []);
      deps.userAdmin.accountChanges.tell(
        deps.audit.append({
          action: 'scim.user_delete',
          actor: actorOf(call),
          target: user?.name ?? row.userId,
          outcome: 'success',
          details: {
            userId: row.userId,
            userName: row.userName,
            externalId: row.externalId,
            groups,
            previousRoles: previous.map((r) =>
              r.site === undefined ? r.role : `${r.role}@${r.site}`,
            ),
          },
        }),
      );
    })();
  }

  private checkUnique(call: ScimCall, input: UserInput, self: string | undefined): void {
    const clash = (rows: readonly ScimUserRow[]): boolean => rows.some((r) => r.userId !== self);
    if (clash(this.deps.scim.users(call.provider.id, { key: 'userName', value: input.userName })))
      throw scimError(
        'conflict',
        'scim.user_exists',
        `userName ${input.userName} is taken`,
        'uniqueness',
      );
    if (
      input.externalId !== undefined &&
      clash(this.deps.scim.users(call.provider.id, { key: 'externalId', value: input.externalId }))
    )
      throw scimError(
        'conflict',
        'scim.user_exists',
        `externalId ${input.externalId} is taken`,
        'uniqueness',
      );
  }

  /** A replaced or patched resource: the SCIM record, then the account (name, state). */
  private store(call: ScimCall, row: ScimUserRow, input: UserInput): Record<string, unknown> {
    const { deps } = this;
    this.checkUnique(call, input, row.userId);
    const renamed =
      input.userName !== row.userName || (input.externalId ?? null) !== row.externalId;
    writeTransaction(deps.db, () => {
      deps.scim.putUser(
        {
          userId: row.userId,
          provider: call.provider.id,
          userName: input.userName,
          externalId: input.externalId ?? null,
          attributes: attributesOf(input),
        },
        deps.clock.now(),
      );
      if (renamed)
        deps.userAdmin.accountChanges.tell(
          deps.audit.append({
            action: 'user.update',
            actor: actorOf(call),
            target: deps.users.getById(row.userId)?.name ?? row.userId,
            outcome: 'success',
            details: {
              userId: row.userId,
              via: 'scim',
              scim: { userName: input.userName, externalId: input.externalId ?? null },
              previous: { userName: row.userName, externalId: row.externalId },
            },
          }),
        );
    })();
    this.applyAccount(call, row.userId, input);
    return this.get(call, row.userId);
  }

  /** Display name and state through UserAdmin: disabling there is the leaver's exit. */
  private applyAccount(call: ScimCall, userId: string, input: UserInput): void {
    const user = this.deps.users.getById(userId);
    if (user === undefined) return;
    const displayName = displayNameOf(input);
    const state: User['state'] =
      input.active === undefined ? user.state : input.active ? 'active' : 'disabled';
    const changes = {
      ...(displayName === user.displayName ? {} : { displayName }),
      ...(state === user.state ? {} : { state }),
    };
    if (Object.keys(changes).length > 0)
      this.deps.userAdmin.updateUser(userId, changes, { cli: actorOf(call) });
  }
}
