/**
 * `npm run demo`: the demo appliance. Run as root (or with --zones), it places the parts in four
 * network zones (demo-zones.ts: corp, it-dmz, ot, plant, each behind its role's firewall) and
 * relays only the IT gateway's two ports to the host's 127.0.0.1; otherwise (or with --loopback)
 * everything listens on 127.0.0.1 and it says plainly that the plant is then not isolated.
 * Starts the simulated plant (in this process, or in the plant zone),
 * the IT gateway and the OT gateway for plant-1 (as processes, from the compiled code), creates the
 * demo site, users and a daily maintenance window on first start (their passwords and TOTP secrets go to a credentials file),
 * stores the simulated plant's logins (hmi-1 SSH, opc-1 OPC UA) in the OT vault with `airlock-ot vault-set`,
 * enrolls the OT gateway once (`airlock-it site-enroll-token`, then `airlock-ot enroll`), waits until
 * the site shows online on the IT side, prints what to try, and stops everything on Ctrl-C.
 *
 *   npm run demo -- [--keep] [--state-dir DIR] [--help]
 */
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPlant, type Plant } from './plant/plant.js';
import { demoPolicy, viewOfPlant, type DemoScope, type PlantView } from './demo-policy.js';
import { policyLoopBanner } from './demo-policy-loop.js';
import { startModbusPlc, type ModbusPlc } from './plant/modbus-plc.js';
import { ownerSignedLines, withOwnerSigned } from './demo-owner-signed.js';
import { startZonedDemo, type ZonedDemo } from './demo-zones.js';
import { ZONE_ADDRESSES } from './zones/zones.js';
import { enrollOtOnce, provisionFirstStart } from './demo-provision.js';
import { runCommand, startDaemon, type Daemon } from './demo-process.js';
import {
  BASE_PORTS,
  FORWARD_HINT_PORTS,
  freePortFrom,
  portFree,
  portsWithOffset,
  type Ports,
} from './demo-ports.js';
import { waitUntilOnline } from './demo-health.js';
import { NOT_ISOLATED, runningBanner } from './demo-banner.js';
import {
  configureSiteItsm,
  itsmConfig,
  itsmCredentialsFile,
  startItsmStandIn,
} from './demo-itsm.js';
import { idpConfig, idpFiles, startIdp } from './demo-idp.js';
import { mailConfig, mailFiles, setDemoEmails, startMailRelay } from './demo-mail.js';
import { demoUsers } from './demo-users.js';
import { waitForStopSignal } from '../../shared/src/cli/wait-for-signal.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const IT_MAIN = join(repoRoot, 'dist', 'gateway-it', 'src', 'main.js');
const OT_MAIN = join(repoRoot, 'dist', 'gateway-ot', 'src', 'main.js');
const ITSM_MAIN = join(repoRoot, 'dist', 'image', 'demo', 'itsm', 'itsm-standin.js');
const IDP_MAIN = join(repoRoot, 'dist', 'image', 'demo', 'idp', 'idp-standin.js');
const MAIL_MAIN = join(repoRoot, 'dist', 'image', 'demo', 'mail', 'mail-main.js');
const SITE = 'plant-1';
let PORTS: Ports = { ...BASE_PORTS };

const USAGE = `usage: npm run demo -- [--keep] [--state-dir DIR] [--port-offset N]
                        [--zones | --loopback] [--ot-user NAME] [--owner-signed] [--help]
       (one \`--\`, then the flags: \`npm run demo -- --keep --state-dir /tmp/demo\`)

As root (or with --zones) the parts run in network zones: corp (this host, as an operator's desk,
through a relay of the portal and SSH ports on 127.0.0.1), it-dmz, ot and plant (10.77.0.0/16
inside the zones only), each gateway behind its firewall; the OT gateway runs as --ot-user
(default nobody) so its firewall can tell its connections apart. --loopback, or without root:
Starts the Airlock demo appliance on 127.0.0.1:
  IT gateway   https://127.0.0.1:${PORTS.https}   (portal, API, /healthz)
  OT gateway   site ${SITE}, enrolled on first start, dialling out to the IT gateway
  plant        hmi-1 SSH on ${PORTS.hmi}, plc-1 Modbus TCP on ${PORTS.plc}, opc-1 OPC UA on ${PORTS.opc},
               plc-2 Modbus TCP on ${PORTS.plc2} (not in the policy: discovery finds it; loopback only)
Demo users: admin, alice (engineer), olga (OT owner of ${SITE}), victor (vendor), audrey (auditor),
a maintenance window of ${SITE} open every day, and the plant's logins in the OT vault.
SSH endpoint for operators: ssh -p ${PORTS.ssh} alice:hmi-1@127.0.0.1 (and ssh -N -L for plc-1, opc-1);
the banner prints its host key fingerprint and a known_hosts line.
Their passwords and TOTP secrets go to .demo/credentials.json; \`npm run demo:totp -- alice\`
prints a current TOTP code (\`npm run demo:totp -- --state-dir DIR alice\` with --state-dir).
State lives in .demo/ (or --state-dir DIR) and is created fresh unless --keep is given.
--port-offset N adds N to every port (to run beside another demo, or in tests).
--owner-signed: plant-1 approvals are owner-signed (an OT owner's passkey signs each approval and
the OT gateway checks it); the banner says how olga enrolls her passkey (a code from the OT CLI).
Passkeys need https://localhost, so not with --zones.
Ctrl-C stops everything.`;

async function main(): Promise<number> {
  let keep = false;
  let demoDir = join(repoRoot, '.demo');
  let zoned = false;
  let otUser = 'nobody';
  let ownerSigned = false;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        'state-dir': { type: 'string' },
        'port-offset': { type: 'string' },
        zones: { type: 'boolean' },
        loopback: { type: 'boolean' },
        'ot-user': { type: 'string' },
        'owner-signed': { type: 'boolean' },
      },
      strict: true,
    });
    if (values.help === true) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    keep = values.keep === true;
    const isRoot = process.getuid?.() === 0;
    if (values.zones === true && values.loopback === true)
      throw new Error('give --zones or --loopback, not both');
    if (values.zones === true && !isRoot)
      throw new Error(
        '--zones needs root: the zones are network namespaces with nftables rules, which only root can make',
      );
    zoned = values.zones === true || (isRoot && values.loopback !== true);
    ownerSigned = values['owner-signed'] === true;
    if (ownerSigned && zoned)
      throw new Error(
        '--owner-signed needs passkeys, which need the portal at https://localhost: add --loopback (not --zones)',
      );
    if (values['ot-user'] !== undefined) otUser = values['ot-user'];
    // npm runs the script in the repository root; a relative DIR means the caller's directory.
    if (values['state-dir'] !== undefined)
      demoDir = resolve(process.env.INIT_CWD ?? process.cwd(), values['state-dir']);
    PORTS = portsWithOffset(values['port-offset']);
  } catch (e) {
    process.stderr.write(`demo: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const onHost = zoned ? { https: PORTS.https, ssh: PORTS.ssh } : PORTS;
  for (const [name, port] of Object.entries(onHost)) {
    if (!(await portFree(port))) {
      process.stderr.write(
        `demo: port ${port} (${name}) on 127.0.0.1 is in use; is another demo running?\n`,
      );
      return 1;
    }
  }
  if (!keep) rmSync(demoDir, { recursive: true, force: true });
  const fresh = !existsSync(join(demoDir, 'credentials.json'));
  for (const d of ['it', 'ot', 'plant', 'logs']) mkdirSync(join(demoDir, d), { recursive: true });

  const daemons: Daemon[] = [];
  let plant: Plant | undefined;
  let newPlc: ModbusPlc | undefined;
  let zd: ZonedDemo | undefined;
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const d of [...daemons].reverse()) await d.stop();
    await plant?.close();
    await newPlc?.close();
    await zd?.stop();
  };
  const onUnexpectedExit = (name: string, code: number | null): void => {
    if (stopping) return;
    process.stderr.write(
      `\ndemo: ${name} stopped unexpectedly (exit ${String(code)}); see ${join(demoDir, 'logs', `${name}.log`)}\n`,
    );
    void stopAll().then(() => process.exit(1));
  };

  try {
    let plantView: PlantView;
    if (zoned) {
      process.stdout.write('making the network zones and starting the plant in its zone...\n');
      zd = await startZonedDemo({
        demoDir,
        otUser,
        distRoot: join(repoRoot, 'dist'),
        itPorts: { https: PORTS.https, ssh: PORTS.ssh },
        onExit: onUnexpectedExit,
      });
      plantView = zd.plant;
    } else {
      process.stdout.write(`${NOT_ISOLATED}\nstarting the simulated plant...\n`);
      plant = await startPlant({
        dataDir: join(demoDir, 'plant'),
        ports: { ssh: PORTS.hmi, modbus: PORTS.plc, opcua: PORTS.opc },
      });
      plantView = viewOfPlant(plant);
      // plc-2: a device the policy does not list yet, for `airlock-ot discover` to find.
      newPlc = await startModbusPlc({ port: PORTS.plc2 });
    }
    // What the OT owner lets the gateway probe: the loopback plant's ports (not in the zones).
    const scope: DemoScope | undefined =
      newPlc === undefined
        ? undefined
        : {
            host: newPlc.host,
            ports: { ssh: [PORTS.hmi], modbus: [PORTS.plc, PORTS.plc2], opcua: [PORTS.opc] },
          };
    const itWrap = zd?.inZone('it-dmz') ?? [];
    // The OT gateway's files (database, vault key) belong to its user; its network is the ot zone.
    const otWrap = zd?.asOtUser('ot') ?? [];
    const itAddress = zoned ? '0.0.0.0' : '127.0.0.1';

    const itConfig = join(demoDir, 'it', 'config.json');
    const itsmCredentials = itsmCredentialsFile(join(demoDir, 'it'));
    // Single sign-on with a local provider, on loopback only (not reachable from the zones).
    const idp = zoned ? undefined : idpFiles(join(demoDir, 'it'));
    const mail = await mailFiles(join(demoDir, 'it'), join(demoDir, 'mail'));
    writeFileSync(
      itConfig,
      JSON.stringify(
        {
          dataDir: 'data',
          http: {
            host: itAddress,
            port: PORTS.https,
            ...(zoned ? { publicUrl: `https://127.0.0.1:${PORTS.https}` } : {}),
          },
          ...(zoned
            ? {
                tls: {
                  hostnames: [
                    'localhost',
                    '127.0.0.1',
                    ZONE_ADDRESSES.itFromCorp,
                    ZONE_ADDRESSES.itFromOt,
                  ],
                },
              }
            : {}),
          ssh: { listen: itAddress, port: PORTS.ssh },
          itsm: itsmConfig(PORTS.itsm, 'itsm-credentials.json'),
          notifications: mailConfig(PORTS.mail, mail),
          ...(idp === undefined ? {} : { sso: idpConfig(PORTS.idp, PORTS.https, SITE) }),
        },
        null,
        2,
      ),
    );
    const otConfig = join(demoDir, 'ot', 'config.json');
    writeFileSync(
      otConfig,
      JSON.stringify(
        {
          site: SITE,
          dataDir: 'data',
          policyFile: 'policy.json',
          ...(zd === undefined
            ? {}
            : {
                // As on the appliance: a root-run `firewall apply` loads the rules (below, and
                // after every policy change); the gateway checks and audits them at start.
                firewall: {
                  mode: 'external',
                  serviceUser: zd.otUid,
                  itGateway: { address: ZONE_ADDRESSES.itFromOt, port: PORTS.https },
                  plantSubnets: [ZONE_ADDRESSES.plantSubnet],
                  rulesetFile: 'nftables-ot.nft',
                },
              }),
        },
        null,
        2,
      ),
    );
    writeFileSync(
      join(demoDir, 'ot', 'policy.json'),
      JSON.stringify(
        ownerSigned ? withOwnerSigned(demoPolicy(plantView, scope)) : demoPolicy(plantView, scope),
        null,
        2,
      ),
    );
    if (zd !== undefined) {
      for (const f of ['config.json', 'policy.json'])
        chownSync(join(demoDir, 'ot', f), zd.otUid, zd.otGid);
      process.stdout.write('loading the OT gateway firewall its policy gives...\n');
      await runCommand(
        [OT_MAIN, 'firewall', 'apply', '--config', otConfig],
        undefined,
        zd.inZone('ot'),
      );
    }

    const credentialsFile = join(demoDir, 'credentials.json');
    if (fresh)
      await provisionFirstStart({
        itMain: IT_MAIN,
        otMain: OT_MAIN,
        itConfig,
        otConfig,
        site: SITE,
        portalUrl: `https://127.0.0.1:${PORTS.https}`,
        credentialsFile,
        otWrap,
        afterUsers: async () => {
          await configureSiteItsm(IT_MAIN, itConfig, SITE);
          await setDemoEmails(
            IT_MAIN,
            itConfig,
            demoUsers(SITE, '').map((u) => u.name),
          );
        },
      });

    process.stdout.write('starting the ITSM stand-in...\n');
    daemons.push(
      await startItsmStandIn(
        ITSM_MAIN,
        PORTS.itsm,
        itsmCredentials,
        join(demoDir, 'logs', 'itsm.log'),
        onUnexpectedExit,
        itWrap,
      ),
    );
    if (idp !== undefined) {
      process.stdout.write('starting the demo identity provider...\n');
      daemons.push(
        await startIdp(
          IDP_MAIN,
          PORTS.idp,
          PORTS.https,
          idp,
          join(demoDir, 'logs', 'idp.log'),
          onUnexpectedExit,
        ),
      );
    }
    process.stdout.write('starting the local SMTP relay (mail catcher)...\n');
    daemons.push(
      await startMailRelay(
        MAIL_MAIN,
        PORTS.mail,
        mail,
        join(demoDir, 'logs', 'mail.log'),
        onUnexpectedExit,
        itWrap,
      ),
    );
    process.stdout.write('starting the IT gateway...\n');
    const it = await startDaemon(
      'it',
      [IT_MAIN, 'run', '--config', itConfig],
      join(demoDir, 'logs', 'it.log'),
      onUnexpectedExit,
      { wrap: itWrap },
    );
    daemons.push(it);
    await zd?.relayFromHost({ https: PORTS.https, ssh: PORTS.ssh });
    const itUrl = `https://127.0.0.1:${PORTS.https}`;
    const otLinkUrl = zoned ? `https://${ZONE_ADDRESSES.itFromOt}:${PORTS.https}` : itUrl;
    await enrollOtOnce({
      itMain: IT_MAIN,
      otMain: OT_MAIN,
      itConfig,
      otConfig,
      site: SITE,
      itUrl: otLinkUrl,
      marker: join(demoDir, 'ot', 'enrolled'),
      otWrap,
    });
    process.stdout.write('starting the OT gateway...\n');
    const ot = await startDaemon(
      'ot',
      [OT_MAIN, 'run', '--config', otConfig],
      join(demoDir, 'logs', 'ot.log'),
      onUnexpectedExit,
      { wrap: otWrap },
    );
    daemons.push(ot);
    await waitUntilOnline(itUrl, String(it.ready.tlsFingerprint), SITE, 30_000);

    const stopSignal = waitForStopSignal();
    const users = (
      JSON.parse(readFileSync(credentialsFile, 'utf8')) as {
        users: { name: string; password: string }[];
      }
    ).users;
    // The ports the portal suggests for `ssh -L`, or the next free ones when something here holds them.
    const mbLocal = await freePortFrom(FORWARD_HINT_PORTS.modbus);
    const opcLocal = await freePortFrom(FORWARD_HINT_PORTS.opcua);
    const loopLines =
      newPlc === undefined
        ? ''
        : await policyLoopBanner({
            otCli: `${process.execPath} ${OT_MAIN}`,
            otConfig,
            newPlc,
            modbusLocal: mbLocal,
            itMain: IT_MAIN,
            itConfig,
            site: SITE,
            credentialsFile,
          });
    process.stdout.write(
      runningBanner({
        site: SITE,
        ports: PORTS,
        zoned,
        zoneName: (z) => zd?.zones.nameOf(z),
        opcuaEndpoint: plant?.opcua?.endpointUrl ?? '',
        itReady: it.ready,
        otAssets: ot.ready.assets as string[],
        modbusLocal: mbLocal,
        opcuaLocal: opcLocal,
        ownerSignedLines: ownerSigned
          ? ownerSignedLines({ otMain: OT_MAIN, otConfig, httpsPort: PORTS.https, site: SITE })
          : '',
        credentialsFile,
        users,
        idp,
        mail,
        loopLines,
        demoDir,
        isDefaultStateDir: demoDir === join(repoRoot, '.demo'),
      }),
    );
    await stopSignal;
    process.stdout.write('\nstopping...\n');
    await stopAll();
    process.stdout.write('stopped.\n');
    return 0;
  } catch (e) {
    process.stderr.write(`demo: ${(e as Error).message}\n`);
    await stopAll();
    return 1;
  }
}

process.exitCode = await main();
