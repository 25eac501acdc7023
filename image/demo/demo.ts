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
import { PLANT_HOSTS, ZONE_ADDRESSES } from './zones/zones.js';
import { provisionFirstStart } from './demo-provision.js';
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
import { sshTrustLines } from './demo-ssh-trust.js';
import {
  configureSiteItsm,
  itsmConfig,
  itsmCredentialsFile,
  startItsmStandIn,
} from './demo-itsm.js';
import { idpConfig, idpFiles, idpLines, startIdp } from './demo-idp.js';
import { mailConfig, mailFiles, mailLines, setDemoEmails, startMailRelay } from './demo-mail.js';
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

const NOT_ISOLATED = `Loopback mode: every part listens on this machine's 127.0.0.1, so the plant is NOT isolated:
anything on this machine can reach plc-1 and hmi-1 directly, around Airlock. Network zones need
root (network namespaces and nftables rules): run the demo as root, or with --zones.`;

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
    const enrolledMarker = join(demoDir, 'ot', 'enrolled');
    if (!existsSync(enrolledMarker)) {
      process.stdout.write(`enrolling the OT gateway of ${SITE} with the IT gateway...\n`);
      const issued = JSON.parse(
        await runCommand([
          IT_MAIN,
          'site-enroll-token',
          '--config',
          itConfig,
          '--site',
          SITE,
          '--json',
        ]),
      ) as { token: string; itFingerprint: string };
      await runCommand(
        [
          OT_MAIN,
          'enroll',
          '--config',
          otConfig,
          '--it-url',
          otLinkUrl,
          '--token',
          issued.token,
          '--fingerprint',
          issued.itFingerprint,
          '--json',
        ],
        undefined,
        otWrap,
      );
      writeFileSync(enrolledMarker, `${new Date().toISOString()}\n`);
    }
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
    const portNote =
      mbLocal === FORWARD_HINT_PORTS.modbus && opcLocal === FORWARD_HINT_PORTS.opcua
        ? ''
        : `\n  Note            the portal suggests local ports ${FORWARD_HINT_PORTS.modbus} and ${FORWARD_HINT_PORTS.opcua} for -L; one is in use on this machine,\n                  so the commands below use free ones (any free local port works)`;
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
    const plantLine = zoned
      ? `in the plant zone only (hmi-1 ${PLANT_HOSTS.hmi}:22, plc-1 ${PLANT_HOSTS.plc}:502, opc-1 ${PLANT_HOSTS.opc}:4840):
                  reachable from the OT gateway alone; this host reaches only the IT gateway's two ports
  Zones           ${['corp', 'it-dmz', 'ot', 'plant'].map((z) => zd?.zones.nameOf(z) ?? z).join(', ')} (ip netns exec <zone> ...);
                  this host is an operator's desk in corp: 127.0.0.1:${PORTS.https} and :${PORTS.ssh} are relayed there
  Firewalls       ip netns exec ${zd?.zones.nameOf('ot') ?? ''} nft list table inet airlock_ot   (from the OT policy)
                  ip netns exec ${zd?.zones.nameOf('it-dmz') ?? ''} nft list table inet airlock_it`
      : `hmi-1 ssh 127.0.0.1:${PORTS.hmi}, plc-1 modbus 127.0.0.1:${PORTS.plc}, opc-1 ${plant?.opcua?.endpointUrl ?? ''}
  Isolation       none: ${NOT_ISOLATED.split('\n').join(' ')}`;
    process.stdout.write(`
Airlock demo is running (Ctrl-C stops it).

  Portal and API  https://127.0.0.1:${PORTS.https}   (self-signed; certificate SHA-256 ${String(it.ready.tlsFingerprint)})
  Health          curl -k https://127.0.0.1:${PORTS.https}/healthz
${
  zoned
    ? ''
    : `  Passkeys        open the portal as https://localhost:${PORTS.https} (WebAuthn refuses an IP address), then
                  Account > Passkeys to register one; log in with it from the login page
`
}${sshTrustLines(it.ready, PORTS.ssh)}
  Site            ${SITE} online (OT gateway enrolled, dialling out), assets: ${(ot.ready.assets as string[]).join(', ')}
  Plant           ${plantLine}${portNote}
${ownerSigned ? ownerSignedLines({ otMain: OT_MAIN, otConfig, httpsPort: PORTS.https, site: SITE }) : ''}
  Credentials     ${credentialsFile}
${users.map((u) => `                  ${u.name.padEnd(7)} ${u.password}`).join('\n')}
  Window          ${SITE}: weekly, every day, 00:00-00:00 site time (24 h), label "demo: every day, all day"
${idp === undefined ? '  SSO             not in zoned mode (the demo identity provider runs on loopback; try --loopback)' : idpLines(idp, PORTS.idp, PORTS.https)}
  ITSM            ${SITE} checks tickets with a local stand-in (http://127.0.0.1:${PORTS.itsm}, table API and webhook):
                  CHG0001001 (Implement, names HMI-1, PLC-1, OPC-1), CHG0001002 (Scheduled, HMI-1 only),
                  CHG0001003 (Assess: refused), CHG0001004 (Closed: refused), INC0002001 (In Progress, PLC-1);
                  work notes written when a grant ends: ${join(demoDir, 'logs', 'itsm.log')}
${mailLines(mail, PORTS.mail)}
  Try             alice logs in, requests hmi-1, plc-1 and opc-1 (profile maintenance, ticket CHG0001001);
                  olga approves in her inbox, beside the ITSM's answer; alice's dashboard shows the grant
                  active. Then, as alice (her password or a key added in the portal, then her TOTP code):
    SSH           ssh -p ${PORTS.ssh} alice:hmi-1@127.0.0.1
                  olga watches it under Sites > ${SITE} > live sessions, and replays it under recordings
    Files         scp -P ${PORTS.ssh} <file> alice+hmi-1@127.0.0.1:/tmp/       ('+' for ':', which scp would split at)
                  after one login with her key and a code, that key needs no code for 8 h (docs/ssh.md)
    Modbus        ssh -p ${PORTS.ssh} -N -L ${mbLocal}:plc-1:502 alice@127.0.0.1      (leave it running), then
                  mbpoll -m tcp -p ${mbLocal} -a 1 -t 4 -r 1 -c 4 -1 127.0.0.1        read holding registers 0-3
                  mbpoll -m tcp -p ${mbLocal} -a 1 -t 4 -r 1 -1 127.0.0.1 1500        write HR 0 (allowed: 0-1800)
                  mbpoll -m tcp -p ${mbLocal} -a 1 -t 4 -r 3 -1 127.0.0.1 7           HR 2 is not writable: exception 02
    OPC UA        ssh -p ${PORTS.ssh} -N -L ${opcLocal}:opc-1:4840 alice@127.0.0.1     (leave it running), then an OPC UA
                  client on opc.tcp://127.0.0.1:${opcLocal}, UserName token "alice" (any password): browse
                  Line1, write Line1.Setpoint 10-90; 95 answers BadUserAccessDenied
${loopLines}  TOTP code       npm run demo:totp -- ${demoDir === join(repoRoot, '.demo') ? '' : `--state-dir ${demoDir} `}alice
  Logs            ${join(demoDir, 'logs')}

`);
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
