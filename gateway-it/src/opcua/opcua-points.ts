/**
 * The portal's OPC UA client: for one HTTP request it opens an operator session to an OPC UA asset
 * through OperatorSessions (the same access check, ticket and site as `ssh -L`: grant, window,
 * lockdown, site online), bridges a node-opcua client to it over a one-connection loopback
 * listener (session-bridge.ts), and talks to the OT broker as the grant's user (a UserName token
 * naming the user; the broker checks the name, not the password: docs/opcua.md). It browses from
 * Objects, reads each variable's value, data type and user access level, and writes a Value.
 *
 * Guarantees: the session ends when the request's work is done, on error, or after `timeoutMs`
 * (whichever comes first), and with the grant (revocation, lockdown and expiry end the live
 * session, which closes the bridge); a write's answer is the broker's status code, by name, never
 * assumed. node-opcua is imported on first use (loading it costs seconds).
 * Not guaranteed: the broker decides what is visible and writable; this module shows what it says.
 * The standard namespace (ns=0: the broker's own Server object) is not listed.
 */
import { join } from 'node:path';
import type * as NodeOpcua from 'node-opcua';
import type { ClientSession, ReferenceDescription } from 'node-opcua';
import { AirlockError } from '../../../shared/src/errors.js';
import type { UserId } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import type { OperatorSessions } from '../sessions/sessions.js';
import { openSessionBridge } from './session-bridge.js';
import { isWritableType, type PointWrite, type WritableType } from './opcua-write-value.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

export interface OpcuaPoint {
  readonly namespaceUri: string;
  readonly identifier: string;
  /** Browse names from Objects, e.g. `Plant/Line1/Setpoint`. */
  readonly path: string;
  readonly depth: number;
  readonly kind: 'Object' | 'Variable' | 'Method';
  readonly dataType?: string;
  readonly value?: string;
  /** Status of the value read, by name (`Good`, `BadNotReadable`, ...). */
  readonly status?: string;
  /** The broker says the user may write the Value and the data type is one the form can send. */
  readonly writable: boolean;
}

export interface PointRequest {
  readonly user: UserId;
  readonly userName: string;
  readonly site: string;
  readonly asset: string;
  readonly source?: string;
}

export interface WriteOutcome {
  /** The broker's (or plant's) status code by name. */
  readonly status: string;
  /** The value read back after the write (its status name if it could not be read). */
  readonly readBack: string;
}

export interface OpcuaPointsDeps {
  readonly sessions: Pick<OperatorSessions, 'open'>;
  /** The client's own PKI (node-opcua wants an application certificate even for SecurityMode None). */
  readonly pkiDir: string;
  readonly log: Logger;
  readonly timeoutMs?: number;
  readonly maxNodes?: number;
}

const MAX_DEPTH = 8;
const MAX_VALUE_TEXT = 200;
type Opcua = typeof NodeOpcua;

export class OpcuaPoints {
  private lib: Promise<Opcua> | undefined;

  constructor(private readonly deps: OpcuaPointsDeps) {}

  /** What the user's profile shows from Objects down, in browse order. */
  browse(req: PointRequest): Promise<OpcuaPoint[]> {
    return this.withSession(req, (o, session) => browseAll(o, session, this.deps.maxNodes ?? 500));
  }

  /** Writes one Value and reads it back; then lists the points again for the page. */
  write(
    req: PointRequest,
    w: PointWrite,
  ): Promise<{ outcome: WriteOutcome; points: OpcuaPoint[] }> {
    return this.withSession(req, async (o, session) => {
      const ns = (await session.readNamespaceArray()).indexOf(w.namespaceUri);
      if (ns < 0)
        throw new AirlockError(
          'not_found',
          'opcua.unknown_namespace',
          `namespace: ${w.namespaceUri} is not visible on ${req.asset}`,
        );
      const nodeId = `ns=${ns};${w.identifier}`;
      const code = await session.write({
        nodeId,
        attributeId: o.AttributeIds.Value,
        value: { value: { dataType: o.DataType[w.dataType as WritableType], value: w.value } },
      });
      const after = await session.read({ nodeId, attributeId: o.AttributeIds.Value });
      const readBack = after.statusCode.isGood()
        ? valueText(after.value.value)
        : after.statusCode.name;
      return {
        outcome: { status: code.name, readBack },
        points: await browseAll(o, session, this.deps.maxNodes ?? 500),
      };
    });
  }

  private load(): Promise<Opcua> {
    this.lib ??= import('node-opcua');
    return this.lib;
  }

  private async withSession<T>(
    req: PointRequest,
    work: (o: Opcua, session: ClientSession) => Promise<T>,
  ): Promise<T> {
    const o = await this.load();
    const live = await this.deps.sessions.open({
      user: req.user,
      site: req.site,
      asset: req.asset,
      protocol: 'opcua',
      channel: 'tcp-forward',
      via: 'web',
      ...omitUndefined({ source: req.source }),
    });
    const timeoutMs = this.deps.timeoutMs ?? 30_000;
    const timer = setTimeout(() => live.end('the portal request took too long'), timeoutMs);
    timer.unref();
    const client = o.OPCUAClient.create({
      applicationName: 'airlock-it-portal',
      endpointMustExist: false,
      securityMode: o.MessageSecurityMode.None,
      securityPolicy: o.SecurityPolicy.None,
      clientCertificateManager: new o.OPCUACertificateManager({
        rootFolder: join(this.deps.pkiDir),
        automaticallyAcceptUnknownCertificate: true,
        disableFileWatchers: true,
      }),
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      transportTimeout: timeoutMs,
      requestedSessionTimeout: timeoutMs,
    });
    try {
      const bridge = await openSessionBridge(live);
      await client.connect(`opc.tcp://127.0.0.1:${bridge.port}`);
      // The broker checks the name against the ticket's user; it does not check the password.
      const session = await client.createSession({
        type: o.UserTokenType.UserName,
        userName: req.userName,
        password: '',
      });
      try {
        return await work(o, session);
      } finally {
        await session.close().catch(() => undefined);
      }
    } catch (e) {
      if (e instanceof AirlockError) throw e;
      const why = live.isEnded
        ? (live.endReason ?? 'the session ended')
        : e instanceof Error
          ? e.message
          : String(e);
      this.deps.log.warn('portal OPC UA request failed', {
        site: req.site,
        asset: req.asset,
        sessionId: live.id,
        err: e,
      });
      throw new AirlockError(
        'unavailable',
        'opcua.portal_failed',
        `the OPC UA session to ${req.asset} failed: ${why}`,
      );
    } finally {
      // The timer stays armed until here: a disconnect that hangs is cut by the session's end.
      await client.disconnect().catch(() => undefined);
      live.end('the portal request is done');
      clearTimeout(timer);
    }
  }
}

async function browseAll(
  o: Opcua,
  session: ClientSession,
  maxNodes: number,
): Promise<OpcuaPoint[]> {
  const namespaces = await session.readNamespaceArray();
  const out: OpcuaPoint[] = [];
  const seen = new Set<string>();
  const visit = async (nodeId: string, path: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || out.length >= maxNodes) return;
    const refs = await browseChildren(o, session, nodeId);
    for (const r of refs) {
      const id = r.nodeId;
      const key = id.toString();
      if (id.namespace === 0 || seen.has(key) || out.length >= maxNodes) continue;
      seen.add(key);
      const name = r.browseName.name ?? key;
      const kind =
        r.nodeClass === o.NodeClass.Variable
          ? 'Variable'
          : r.nodeClass === o.NodeClass.Method
            ? 'Method'
            : 'Object';
      const base = {
        namespaceUri: namespaces[id.namespace] ?? '',
        identifier: key.replace(/^ns=\d+;/, ''),
        path: path === '' ? name : `${path}/${name}`,
        depth,
      };
      if (kind === 'Variable')
        out.push({ ...base, kind, ...(await variableFacts(o, session, key)) });
      else out.push({ ...base, kind, writable: false });
      if (kind === 'Object') await visit(key, base.path, depth + 1);
    }
  };
  await visit('i=85', '', 0);
  return out;
}

async function browseChildren(
  o: Opcua,
  session: ClientSession,
  nodeId: string,
): Promise<ReferenceDescription[]> {
  const result = await session.browse({
    nodeId,
    browseDirection: o.BrowseDirection.Forward,
    referenceTypeId: 'HierarchicalReferences',
    includeSubtypes: true,
    nodeClassMask: o.NodeClass.Object | o.NodeClass.Variable | o.NodeClass.Method,
    resultMask: 63,
  });
  const refs = [...(result.references ?? [])];
  let cp = result.continuationPoint;
  for (let i = 0; i < 20 && cp !== null && cp !== undefined && cp.length > 0; i++) {
    const more = await session.browseNext(cp, false);
    refs.push(...(more.references ?? []));
    cp = more.continuationPoint;
  }
  return refs;
}

async function variableFacts(
  o: Opcua,
  session: ClientSession,
  nodeId: string,
): Promise<{ dataType?: string; value?: string; status: string; writable: boolean }> {
  const [value, dataType, access] = await session.read([
    { nodeId, attributeId: o.AttributeIds.Value },
    { nodeId, attributeId: o.AttributeIds.DataType },
    { nodeId, attributeId: o.AttributeIds.UserAccessLevel },
  ]);
  const typeId = dataType?.value.value as
    { namespace?: number; value?: unknown } | null | undefined;
  const typeName =
    typeId?.namespace === 0 && typeof typeId.value === 'number'
      ? (o.DataType[typeId.value] as string | undefined)
      : undefined;
  const level = typeof access?.value.value === 'number' ? access.value.value : 0;
  const status = value?.statusCode.name ?? 'BadNoData';
  return {
    ...omitUndefined({ dataType: typeName }),
    ...(value !== undefined && value.statusCode.isGood()
      ? { value: valueText(value.value.value) }
      : {}),
    status,
    writable:
      (level & o.AccessLevelFlag.CurrentWrite) !== 0 &&
      typeName !== undefined &&
      isWritableType(typeName),
  };
}

/** A value as page text: JSON-like, cut at MAX_VALUE_TEXT characters. */
function valueText(v: unknown): string {
  let t: string;
  if (v instanceof Date) t = v.toISOString();
  else if (Buffer.isBuffer(v)) t = `${v.length} bytes`;
  else if (typeof v === 'string') t = v;
  else {
    try {
      t =
        JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ??
        String(v);
    } catch {
      t = String(v);
    }
  }
  return t.length > MAX_VALUE_TEXT ? `${t.slice(0, MAX_VALUE_TEXT)}…` : t;
}
