/**
 * What the running demo prints once every part is up (demo.ts): where the portal, the SSH
 * endpoint and the plant are, whether the plant is isolated (zones) or not (loopback), the demo
 * users' passwords, the window, single sign-on, the ITSM stand-in, the mail catcher and the
 * commands to try. It only formats text from what it is given; it starts and checks nothing.
 */
import { join } from 'node:path';
import { FORWARD_HINT_PORTS, type Ports } from './demo-ports.js';
import { idpLines, type IdpFiles } from './demo-idp.js';
import { mailLines, type MailFiles } from './demo-mail.js';
import { sshTrustLines } from './demo-ssh-trust.js';
import { PLANT_HOSTS } from './zones/zones.js';

export const NOT_ISOLATED = `Loopback mode: every part listens on this machine's 127.0.0.1, so the plant is NOT isolated:
anything on this machine can reach plc-1 and hmi-1 directly, around Airlock. Network zones need
root (network namespaces and nftables rules): run the demo as root, or with --zones.`;

export interface BannerInput {
  readonly site: string;
  readonly ports: Ports;
  readonly zoned: boolean;
  /** A zone's network namespace name (zoned mode); undefined in loopback mode. */
  readonly zoneName: (zone: string) => string | undefined;
  /** opc-1's endpoint URL in loopback mode ('' when unknown). */
  readonly opcuaEndpoint: string;
  /** The IT and OT gateways' `ready` lines. */
  readonly itReady: Record<string, unknown>;
  readonly otAssets: readonly string[];
  /** The local ports the `ssh -L` commands use (the portal's hints, or free ones). */
  readonly modbusLocal: number;
  readonly opcuaLocal: number;
  /** The owner-signed approvals lines ('' without --owner-signed). */
  readonly ownerSignedLines: string;
  readonly credentialsFile: string;
  readonly users: readonly { readonly name: string; readonly password: string }[];
  /** The demo identity provider's files; undefined in zoned mode. */
  readonly idp: IdpFiles | undefined;
  readonly mail: MailFiles;
  /** The policy loop's lines ('' in zoned mode). */
  readonly loopLines: string;
  readonly demoDir: string;
  /** The state dir is the default .demo (the TOTP hint then needs no --state-dir). */
  readonly isDefaultStateDir: boolean;
}

export function runningBanner(o: BannerInput): string {
  const portNote =
    o.modbusLocal === FORWARD_HINT_PORTS.modbus && o.opcuaLocal === FORWARD_HINT_PORTS.opcua
      ? ''
      : `\n  Note            the portal suggests local ports ${FORWARD_HINT_PORTS.modbus} and ${FORWARD_HINT_PORTS.opcua} for -L; one is in use on this machine,\n                  so the commands below use free ones (any free local port works)`;
  const plantLine = o.zoned
    ? `in the plant zone only (hmi-1 ${PLANT_HOSTS.hmi}:22, plc-1 ${PLANT_HOSTS.plc}:502, opc-1 ${PLANT_HOSTS.opc}:4840):
                reachable from the OT gateway alone; this host reaches only the IT gateway's two ports
  Zones           ${['corp', 'it-dmz', 'ot', 'plant'].map((z) => o.zoneName(z) ?? z).join(', ')} (ip netns exec <zone> ...);
                this host is an operator's desk in corp: 127.0.0.1:${o.ports.https} and :${o.ports.ssh} are relayed there
  Firewalls       ip netns exec ${o.zoneName('ot') ?? ''} nft list table inet airlock_ot   (from the OT policy)
                ip netns exec ${o.zoneName('it-dmz') ?? ''} nft list table inet airlock_it`
    : `hmi-1 ssh 127.0.0.1:${o.ports.hmi}, plc-1 modbus 127.0.0.1:${o.ports.plc}, opc-1 ${o.opcuaEndpoint}
  Isolation       none: ${NOT_ISOLATED.split('\n').join(' ')}`;
  return `
Airlock demo is running (Ctrl-C stops it).

  Portal and API  https://127.0.0.1:${o.ports.https}   (self-signed; certificate SHA-256 ${String(o.itReady.tlsFingerprint)})
  Health          curl -k https://127.0.0.1:${o.ports.https}/healthz
${
  o.zoned
    ? ''
    : `  Passkeys        open the portal as https://localhost:${o.ports.https} (WebAuthn refuses an IP address), then
                  Account > Passkeys to register one; log in with it from the login page
`
}${sshTrustLines(o.itReady, o.ports.ssh)}
  Site            ${o.site} online (OT gateway enrolled, dialling out), assets: ${o.otAssets.join(', ')}
  Plant           ${plantLine}${portNote}
${o.ownerSignedLines}
  Credentials     ${o.credentialsFile}
${o.users.map((u) => `                  ${u.name.padEnd(7)} ${u.password}`).join('\n')}
  Window          ${o.site}: weekly, every day, 00:00-00:00 site time (24 h), label "demo: every day, all day"
${o.idp === undefined ? '  SSO             not in zoned mode (the demo identity provider runs on loopback; try --loopback)' : idpLines(o.idp, o.ports.idp, o.ports.https)}
  ITSM            ${o.site} checks tickets with a local stand-in (http://127.0.0.1:${o.ports.itsm}, table API and webhook):
                  CHG0001001 (Implement, names HMI-1, PLC-1, OPC-1), CHG0001002 (Scheduled, HMI-1 only),
                  CHG0001003 (Assess: refused), CHG0001004 (Closed: refused), INC0002001 (In Progress, PLC-1);
                  work notes written when a grant ends: ${join(o.demoDir, 'logs', 'itsm.log')}
${mailLines(o.mail, o.ports.mail)}
  Try             alice logs in, requests hmi-1, plc-1 and opc-1 (profile maintenance, ticket CHG0001001);
                  olga approves in her inbox, beside the ITSM's answer; alice's dashboard shows the grant
                  active. Then, as alice (her password or a key added in the portal, then her TOTP code):
    SSH           ssh -p ${o.ports.ssh} alice:hmi-1@127.0.0.1
                  olga watches it under Sites > ${o.site} > live sessions, and replays it under recordings
    Files         scp -P ${o.ports.ssh} <file> alice+hmi-1@127.0.0.1:/tmp/       ('+' for ':', which scp would split at)
                  after one login with her key and a code, that key needs no code for 8 h (docs/ssh.md)
    Modbus        ssh -p ${o.ports.ssh} -N -L ${o.modbusLocal}:plc-1:502 alice@127.0.0.1      (leave it running), then
                  mbpoll -m tcp -p ${o.modbusLocal} -a 1 -t 4 -r 1 -c 4 -1 127.0.0.1        read holding registers 0-3
                  mbpoll -m tcp -p ${o.modbusLocal} -a 1 -t 4 -r 1 -1 127.0.0.1 1500        write HR 0 (allowed: 0-1800)
                  mbpoll -m tcp -p ${o.modbusLocal} -a 1 -t 4 -r 3 -1 127.0.0.1 7           HR 2 is not writable: exception 02
    OPC UA        ssh -p ${o.ports.ssh} -N -L ${o.opcuaLocal}:opc-1:4840 alice@127.0.0.1     (leave it running), then an OPC UA
                  client on opc.tcp://127.0.0.1:${o.opcuaLocal}, UserName token "alice" (any password): browse
                  Line1, write Line1.Setpoint 10-90; 95 answers BadUserAccessDenied
${o.loopLines}  TOTP code       npm run demo:totp -- ${o.isDefaultStateDir ? '' : `--state-dir ${o.demoDir} `}alice
  Logs            ${join(o.demoDir, 'logs')}

`;
}
