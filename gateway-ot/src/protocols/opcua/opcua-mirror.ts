/**
 * Builds a session's view of the plant: the plant's address space is explored from Objects (only
 * inside the namespaces the profile names), every node a rule allows is copied into the broker's
 * own OPC UA server with the same namespace URI and identifier, and so is the chain of objects
 * above it (browse-only) so the operator can walk to it. Values are read from the plant on each
 * Read or sampling tick; writes and calls go to hooks that decide, audit and forward.
 *
 * Guarantees: a node no rule allows does not exist in the view, so Browse, Read, TranslateBrowsePaths
 * and subscriptions cannot reach it; every mirrored node's writeAttribute is the hook, so no write
 * of any attribute reaches the plant without the hook's decision; only methods with a `call` rule
 * reach the plant; a write rule whose data type differs from the plant variable's is downgraded to
 * read (and logged).
 *
 * Not guaranteed: nodes added to the plant after the session started are not seen; nodes of the
 * standard namespace (ns=0) are never mirrored (the broker's own Server object answers); custom
 * (non-ns=0) data types are shown as BaseDataType and are never writable; exploration stops at
 * `maxNodes` (the view is then partial and the broker logs it).
 */
import {
  AttributeIds,
  BrowseDirection,
  DataType,
  DataValue,
  NodeClass,
  NodeId,
  StatusCodes,
  type Variant,
  type AddressSpace,
  type BaseNode,
  type CallMethodResultOptions,
  type ExpandedNodeId,
  type ReferenceDescription,
  type StatusCode,
  type UAObject,
  type WriteValue,
} from 'node-opcua';
import type { Logger } from '../../../../shared/src/log.js';
import { canRead, type CompiledProfile, type NodeRef, type OpcuaNodeRule } from './opcua-policy.js';
import type { PlantConnection } from './opcua-plant-client.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

export interface MirroredNode {
  readonly plantNodeId: NodeId;
  /** The object the node hangs under on the plant (for Call's objectId). */
  readonly plantParentId: NodeId;
  readonly ref: NodeRef;
  readonly nodeClass: NodeClass;
  /** undefined: shown only because an allowed node is below it. */
  readonly rule: OpcuaNodeRule | undefined;
  /** The plant variable's built-in type name when it is a standard scalar type. */
  readonly dataType: string | undefined;
}

export interface MirrorHooks {
  /** Asked before each plant read of a readable node (Read, sampling); false answers BadUserAccessDenied. */
  read?(node: MirroredNode): boolean;
  write(node: MirroredNode, writeValue: WriteValue): Promise<StatusCode>;
  call(node: MirroredNode, inputArguments: readonly Variant[]): Promise<CallMethodResultOptions>;
}

export interface MirrorOptions {
  readonly plant: PlantConnection;
  readonly profile: CompiledProfile;
  readonly addressSpace: AddressSpace;
  readonly hooks: MirrorHooks;
  readonly maxNodes: number;
  readonly log: Logger;
}

export interface Mirror {
  readonly nodes: ReadonlyMap<string, MirroredNode>;
}

interface Found {
  readonly key: string;
  readonly parentKey: string | undefined;
  readonly plantNodeId: NodeId;
  readonly plantParentId: NodeId;
  readonly reference: ReferenceDescription;
  readonly ref: NodeRef;
  readonly rule: OpcuaNodeRule | undefined;
}

const OBJECTS_FOLDER = NodeId.resolveNodeId('ns=0;i=85');
const FOLDER_TYPE = 'ns=0;i=61';
const ORGANIZES = 'ns=0;i=35';
const HAS_PROPERTY = 'ns=0;i=46';
const BROWSE_BATCH = 50;
const MIN_SAMPLING_MS = 100;

/** A node's identifier in rule form: `i=..`, `s=..`, `g=..` or `b=..` (base64), no namespace. */
export function identifierText(nodeId: NodeId): string {
  const text = nodeId.toString();
  return text.startsWith('ns=') ? text.slice(text.indexOf(';') + 1) : text;
}

function refOf(
  id: ExpandedNodeId | NodeId,
  namespaceArray: readonly string[],
): NodeRef | undefined {
  const expanded = id as Partial<ExpandedNodeId>;
  if (typeof expanded.serverIndex === 'number' && expanded.serverIndex !== 0) return undefined;
  const uri =
    typeof expanded.namespaceUri === 'string' && expanded.namespaceUri !== ''
      ? expanded.namespaceUri
      : namespaceArray[id.namespace];
  return uri === undefined ? undefined : { namespaceUri: uri, identifier: identifierText(id) };
}

async function explore(options: MirrorOptions): Promise<Found[]> {
  const { plant, profile } = options;
  const found: Found[] = [];
  const seen = new Set<string>([OBJECTS_FOLDER.toString()]);
  let level: Array<{ key: string | undefined; nodeId: NodeId }> = [
    { key: undefined, nodeId: OBJECTS_FOLDER },
  ];
  while (level.length > 0) {
    const next: typeof level = [];
    for (let i = 0; i < level.length; i += BROWSE_BATCH) {
      const batch = level.slice(i, i + BROWSE_BATCH);
      const results = await plant.session.browse(
        batch.map((b) => ({
          nodeId: b.nodeId,
          browseDirection: BrowseDirection.Forward,
          referenceTypeId: 'HierarchicalReferences',
          includeSubtypes: true,
          nodeClassMask: NodeClass.Object | NodeClass.Variable | NodeClass.Method,
          resultMask: 63,
        })),
      );
      for (const [j, result] of results.entries()) {
        const parent = batch[j];
        if (parent === undefined) continue;
        const references = [...(result.references ?? [])];
        let continuation = result.continuationPoint;
        while (continuation !== null && continuation !== undefined && continuation.length > 0) {
          const more = await plant.session.browseNext(continuation, false);
          references.push(...(more.references ?? []));
          continuation = more.continuationPoint;
        }
        for (const reference of references) {
          const ref = refOf(reference.nodeId, plant.namespaceArray);
          if (ref === undefined || reference.nodeId.namespace === 0) continue;
          const plantNodeId = new NodeId(
            reference.nodeId.identifierType,
            reference.nodeId.value,
            reference.nodeId.namespace,
          );
          const key = plantNodeId.toString();
          if (seen.has(key)) continue;
          seen.add(key);
          if (found.length >= options.maxNodes) {
            options.log.warn(
              'opcua view truncated: the plant has more nodes than the exploration limit',
              { maxNodes: options.maxNodes },
            );
            return found;
          }
          const decision = profile.decide(ref);
          found.push({
            key,
            parentKey: parent.key,
            plantNodeId,
            plantParentId: parent.nodeId,
            reference,
            ref,
            rule: decision.kind === 'allow' ? decision.rule : undefined,
          });
          if (
            profile.namespaceUris.has(ref.namespaceUri) &&
            reference.nodeClass !== NodeClass.Method
          )
            next.push({ key, nodeId: plantNodeId });
        }
      }
    }
    level = next;
  }
  return found;
}

/** Allowed nodes and their ancestors, parents first (exploration order is breadth-first). */
function select(found: readonly Found[]): Found[] {
  const byKey = new Map(found.map((f) => [f.key, f]));
  const keep = new Set<string>();
  for (const f of found) {
    if (f.rule === undefined) continue;
    for (
      let k: string | undefined = f.key;
      k !== undefined && !keep.has(k);
      k = byKey.get(k)?.parentKey
    )
      keep.add(k);
  }
  return found.filter((f) => keep.has(f.key));
}

function builtInName(dataType: unknown): string | undefined {
  if (
    !(dataType instanceof NodeId) ||
    dataType.namespace !== 0 ||
    typeof dataType.value !== 'number'
  )
    return undefined;
  const name = DataType[dataType.value];
  return dataType.value >= 1 && dataType.value <= 25 && typeof name === 'string' ? name : undefined;
}

export async function buildMirror(options: MirrorOptions): Promise<Mirror> {
  const { plant, addressSpace, hooks, log } = options;
  const selected = select(await explore(options));
  const variables = selected.filter((f) => f.reference.nodeClass === NodeClass.Variable);
  const attributes =
    variables.length === 0
      ? []
      : await plant.session.read(
          variables.flatMap((v) => [
            { nodeId: v.plantNodeId, attributeId: AttributeIds.DataType },
            { nodeId: v.plantNodeId, attributeId: AttributeIds.ValueRank },
          ]),
        );
  const variableFacts = new Map(
    variables.map((v, i) => [
      v.key,
      {
        dataType: attributes[2 * i]?.value.value as unknown,
        valueRank: attributes[2 * i + 1]?.value.value as unknown,
      },
    ]),
  );

  const namespaceIndex = (uri: string): number => {
    const index = addressSpace.getNamespaceIndex(uri);
    return index >= 0 ? index : addressSpace.registerNamespace(uri).index;
  };
  const localNodes = new Map<string, BaseNode>();
  const nodes = new Map<string, MirroredNode>();
  const objects = addressSpace.rootFolder.objects;

  for (const f of selected) {
    const ns = namespaceIndex(f.ref.namespaceUri);
    const namespace = addressSpace.getNamespace(ns);
    const nodeId = new NodeId(f.plantNodeId.identifierType, f.plantNodeId.value, ns);
    const bn = f.reference.browseName;
    const bnUri = plant.namespaceArray[bn.namespaceIndex];
    const browseName = {
      name: bn.name ?? '',
      namespaceIndex: bnUri === undefined ? ns : namespaceIndex(bnUri),
    };
    const parent = (f.parentKey === undefined ? undefined : localNodes.get(f.parentKey)) ?? objects;
    const refType = f.reference.referenceTypeId.toString();
    const link =
      refType === ORGANIZES
        ? { organizedBy: parent }
        : refType === HAS_PROPERTY
          ? { propertyOf: parent }
          : { componentOf: parent };
    const common = { browseName, nodeId, displayName: f.reference.displayName };
    let rule = f.rule;
    let dataType: string | undefined;
    let local: BaseNode;
    switch (f.reference.nodeClass) {
      case NodeClass.Object:
        local =
          f.reference.typeDefinition.toString() === FOLDER_TYPE
            ? namespace.addFolder(parent as UAObject, common)
            : namespace.addObject({ ...common, ...link });
        break;
      case NodeClass.Variable: {
        const facts = variableFacts.get(f.key);
        dataType = builtInName(facts?.dataType);
        if (rule?.access === 'write' && rule.dataType !== dataType) {
          log.warn(
            'opcua write rule downgraded to read: the plant variable has another data type',
            { node: f.ref.identifier, ruleType: rule.dataType, plantType: dataType ?? 'custom' },
          );
          rule = {
            access: 'read',
            node: rule.node,
            ...omitUndefined({ namespaceUri: rule.namespaceUri }),
          };
        }
        const isReadable = rule !== undefined && canRead(rule);
        const isWritable = rule?.access === 'write';
        const level = (isReadable ? 1 : 0) | (isWritable ? 2 : 0);
        const plantNodeId = f.plantNodeId;
        const variable = namespace.addVariable({
          ...common,
          ...link,
          dataType: dataType === undefined ? 'BaseDataType' : dataType,
          valueRank: typeof facts?.valueRank === 'number' ? facts.valueRank : -1,
          accessLevel: level | 1,
          userAccessLevel: level,
          // Each sampling tick is a plant read: no operator may sample faster than this.
          minimumSamplingInterval: MIN_SAMPLING_MS,
        });
        if (isReadable) {
          // The callback form: node-opcua refreshes from it before each Read and sampling tick.
          variable.bindVariable(
            {
              refreshFunc: (callback) => {
                if (hooks.read?.(mirrored) === false) {
                  callback(null, new DataValue({ statusCode: StatusCodes.BadUserAccessDenied }));
                  return;
                }
                void readPlantValue(plant, plantNodeId).then(
                  (dv) => callback(null, dv),
                  (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
                );
              },
            },
            true,
          );
        }
        local = variable;
        break;
      }
      case NodeClass.Method: {
        const args = await plant.session
          .getArgumentDefinition(f.plantNodeId)
          .catch(() => ({ inputArguments: [], outputArguments: [] }));
        const method = namespace.addMethod(parent as UAObject, {
          ...common,
          inputArguments: args.inputArguments,
          outputArguments: args.outputArguments,
        });
        local = method;
        break;
      }
      default:
        continue;
    }
    const mirrored: MirroredNode = {
      plantNodeId: f.plantNodeId,
      plantParentId: f.plantParentId,
      ref: f.ref,
      nodeClass: f.reference.nodeClass,
      rule,
      dataType,
    };
    if (local.nodeClass === NodeClass.Method) {
      // node-opcua tells promise methods from callback ones by arity: keep two parameters.
      (
        local as unknown as {
          bindMethod(
            fn: (args: Variant[], context: unknown) => Promise<CallMethodResultOptions>,
          ): void;
        }
      ).bindMethod(async (args: Variant[], _context: unknown) => hooks.call(mirrored, args));
    }
    // Every write of every attribute of a mirrored node goes through the hook.
    const writeAttribute = (
      _context: unknown,
      writeValue: WriteValue,
      callback: (err: Error | null, status?: StatusCode) => void,
    ): void => {
      hooks.write(mirrored, writeValue).then(
        (s) => callback(null, s),
        (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
      );
    };
    Object.assign(local, { writeAttribute });
    localNodes.set(f.key, local);
    nodes.set(nodeId.toString(), mirrored);
  }
  return { nodes };
}

async function readPlantValue(plant: PlantConnection, nodeId: NodeId): Promise<DataValue> {
  return plant.session.read({ nodeId, attributeId: AttributeIds.Value });
}

export function variantFacts(v: Variant): { dataType: string; isScalar: boolean; value: unknown } {
  return {
    dataType: DataType[v.dataType] ?? String(v.dataType),
    isScalar: v.arrayType === 0,
    value: v.value as unknown,
  };
}
