/**
 * The appliance, built and booted (issue 15). As root: builds both packages and both root file
 * systems with `npm run image`'s code (the root file systems left unpacked, to boot them), plus an
 * older IT package (version lowered, the newest `it` migration left out); makes four network namespaces joined by veth pairs (corp, it, ot,
 * plant: corp and the OT gateway each reach only the IT gateway, only the OT gateway reaches the
 * plant); boots Debian 12 machines with systemd as init under systemd-nspawn in the it and ot
 * namespaces; puts a real sshd in the plant namespace; and walks docs/install.md step by step:
 *  - IT machine: a fresh Debian 12 gets the OLDER package (dpkg -i), its address and an imported
 *    certificate, the set-up code from the journal; the operator (an unprivileged user in corp, with
 *    curl and the OpenSSH client) creates the first admin with it and enrolls TOTP; the code then is
 *    refused; site, users, window, enrollment token;
 *  - OT machine: the built OT root file system; config, policy, enrollment, vault; it listens on
 *    nothing; the site comes online;
 *  - alice requests, olga approves, alice's `ssh alice:hmi-1@it uptime` runs on the plant's sshd
 *    through both booted appliances;
 *  - the host firewalls (firewall-steps.ts): each machine has its role's table; from corp only 443
 *    and 22 answer (a management port once its network is set); on OT the service user reaches the
 *    IT gateway's 443 and the policy's sshd and nothing else; an asset added to the policy opens
 *    through the path unit, and the restarted gateway audits the new rules;
 *  - the IT appliance upgrades to this build (migrated, state intact), exposure scores printed and
 *    at most 2.0, keys 0600 owned by the service users; backup; the older package installed again
 *    refuses to start naming the schema versions;
 *  - a fresh IT machine from the built IT root file system: a tampered backup, the OT gateway's
 *    backup and a wrong passphrase are refused, changing nothing; the real backup restores, the
 *    chain verifies, the site reconnects, alice logs in again.
 * Every docs/install.md command runs exactly once. Everything made here is removed at the end,
 * and what a killed earlier run left is removed at the start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { buildImage, REPO_ROOT } from '../../image/build/build-image.js';
import { copyTree, ensureBase, mirrorFrom, prepareImage } from '../../image/build/rootfs.js';
import { mustRun, runCommand } from '../../image/build/run-command.js';
import { waitFor } from '../helpers/wait-for.js';
import { docRunner, readDocSteps } from './doc-steps.js';
import { PREFIX, removeLeftovers, TMP_PREFIX } from './leftovers.js';
import { bootMachine, consoleLog, journalOf, type Machine } from './machine.js';
import { makeNamespaces } from './netns.js';
import { createOperator } from './operator.js';
import { exposureOf, parseJson, parseUsers, totp } from './outputs.js';
import { startPlantSshd } from './plant-sshd.js';
import { ADDRESS, PLANT_SUBNET } from './addresses.js';
import { checkItFirewall, checkOtFirewall } from './firewall-steps.js';
import { installProbe } from './host-firewall.js';
import { makeItCertificate } from './test-pki.js';

const isRoot = process.getuid?.() === 0;

test(
  'the appliance: packages and root file systems built, booted, installed by the book, upgraded, backed up and restored',
  { timeout: 1_200_000, skip: isRoot ? false : 'needs root (debootstrap, nspawn, namespaces)' },
  async (t) => {
    const started = Date.now();
    let phase = Date.now();
    const mark = (what: string): void => {
      // On stdout as it happens (the runner shows it at once), not only in the final report.
      process.stdout.write(
        `# ${what}: ${((Date.now() - phase) / 1000).toFixed(1)} s (${((Date.now() - started) / 1000).toFixed(0)} s in)\n`,
      );
      phase = Date.now();
    };
    await removeLeftovers();
    // The machines' trees (about 1.5 GB) live in memory: copying, dpkg and the clean-up would
    // otherwise wait minutes on a disk shared with other builds. The operator's unprivileged
    // account has its home in here too (0711: it can reach its home, not list the rest).
    const work = mkdtempSync(join('/tmp', TMP_PREFIX));
    await mustRun('mount', ['-t', 'tmpfs', '-o', 'size=6g,mode=0711', 'tmpfs', work]);
    const cleanups: (() => Promise<unknown>)[] = [];
    t.after(async () => {
      const cleaning = Date.now();
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      await runCommand('umount', [work]);
      rmSync(work, { recursive: true, force: true });
      process.stdout.write(`# clean-up: ${((Date.now() - cleaning) / 1000).toFixed(1)} s\n`);
    });

    // Build: this tree as `npm run image` builds it, and the older IT package.
    const log = (line: string): void => void process.stdout.write(`# image: ${line}\n`);
    const built = await buildImage({ log, rootfsDirs: join(work, 'rootfs') });
    const version = built.version;
    const olderVersion = `${version}~older1`;
    mark('build (packages, root file systems)');
    // The older package builds while the machines are set up and booted (it is needed at install).
    const olderBuild = buildImage({
      roles: ['it'],
      rootfs: false,
      outDir: join(work, 'older'),
      older: { version: olderVersion, omitNewestMigrationOf: 'it' },
      log,
    });
    olderBuild.catch(() => undefined);

    // Machines' trees: a fresh Debian 12 for IT (it installs the package by the book), the built OT
    // root file system; the built IT root file system comes later, for the restore.
    const base = await ensureBase(join(REPO_ROOT, '.cache', 'image'), mirrorFrom(process.env), log);
    const dirs = { it1: join(work, 'it1'), ot: built.rootfs.ot ?? '', it2: built.rootfs.it ?? '' };
    await copyTree(base, dirs.it1);
    prepareImage(dirs.it1, 'it');
    // A test-machine setting, not the product's: dpkg skips its fsync per file (this disk is slow
    // and shared; the maintainer scripts and what they do are the same).
    for (const d of Object.values(dirs))
      writeFileSync(
        join(d, 'etc', 'dpkg', 'dpkg.cfg.d', 'airlock-test-unsafe-io'),
        'force-unsafe-io\n',
      );
    mark('machine trees');

    const ns = await makeNamespaces(
      PREFIX,
      ['corp', 'it', 'ot', 'plant'],
      [
        { a: 'corp', aAddress: `${ADDRESS.corp}/24`, b: 'it', bAddress: `${ADDRESS.itForCorp}/24` },
        { a: 'it', aAddress: `${ADDRESS.itForOt}/24`, b: 'ot', bAddress: `${ADDRESS.ot}/24` },
        {
          a: 'ot',
          aAddress: `${ADDRESS.otForPlant}/24`,
          b: 'plant',
          bAddress: `${ADDRESS.plant}/24`,
        },
      ],
    );
    cleanups.push(() => ns.teardown());
    const plant = await startPlantSshd(t, ns.nameOf('plant'), ADDRESS.plant, join(work, 'plant'));

    // The organisation's CA and the IT gateway's certificate; the operator's workstation in corp.
    const pki = await makeItCertificate(join(work, 'pki'), [ADDRESS.itForCorp, ADDRESS.itForOt]);
    const op = await createOperator(
      cleanups,
      ns,
      'corp',
      join(work, 'operator'),
      pki.caPem,
      `https://${ADDRESS.itForCorp}`,
    );

    // The machines read their files from /root: packages, the certificate.
    const debs = { it: built.packages.it ?? '', ot: built.packages.ot ?? '' };
    copyFileSync(pki.certFile, join(dirs.it1, 'root', 'it.crt'));
    copyFileSync(pki.keyFile, join(dirs.it1, 'root', 'it.key'));
    copyFileSync(debs.ot, join(dirs.ot, 'root', `airlock-ot_${version}_amd64.deb`));
    for (const d of [dirs.it1, dirs.ot]) installProbe(d);

    const boot = async (name: string, dir: string, netns: string): Promise<Machine> => {
      const m = await bootMachine({
        name: `${PREFIX}-${name}`,
        dir,
        netnsPath: ns.pathOf(netns),
        logFile: consoleLog(work, name),
      });
      cleanups.push(() => m.stop());
      return m;
    };
    let [it, ot] = await Promise.all([boot('it1', dirs.it1, 'it'), boot('ot', dirs.ot, 'ot')]);
    mark('boot IT (fresh Debian 12) and OT (built root file system)');
    const olderDeb = (await olderBuild).packages.it ?? '';
    copyFileSync(olderDeb, join(dirs.it1, 'root', `airlock-it_${olderVersion}_amd64.deb`));
    mark('older package');

    // The document's steps, on the machine each names.
    const doc = docRunner(
      readDocSteps(join(REPO_ROOT, 'docs', 'install.md')),
      async (on, script, name) => {
        if (on === 'it') return it.mustSh(script);
        if (on === 'ot') return ot.mustSh(script);
        const r = await op.run(script);
        if (r.code !== 0)
          throw new Error(
            `step ${name} on corp, exit ${String(r.code)}:\n${r.stdout}\n${r.stderr}`,
          );
        return r.stdout;
      },
    );
    const runStep = doc.run;
    const siteLink = (): Promise<string> => op.siteLink('plant-1');
    // The site's link state at the IT gateway, waited for; the OT gateway reconnects with a backoff
    // capped at 30 s, so on a busy machine this can take a while. On timeout the error carries both
    // gateways' journals, so a failure says why rather than only that it waited.
    const waitForSiteOnline = async (what: string): Promise<void> => {
      try {
        await waitFor(what, async () => (await siteLink()) === 'online', 180_000, 250);
      } catch (e) {
        const tail = async (m: Machine, unit: string): Promise<string> =>
          (await m.sh(`journalctl -u ${unit} --no-pager -n 40`)).stdout;
        throw new Error(
          `${(e as Error).message}\n--- airlock-ot journal\n${await tail(ot, 'airlock-ot')}\n--- airlock-it journal\n${await tail(it, 'airlock-it')}`,
        );
      }
    };
    const setupCodes = async (m: Machine): Promise<string[]> =>
      [...(await journalOf(m, 'airlock-it')).matchAll(/set-up code: (\S+)/g)].map(
        (x) => x[1] ?? '',
      );

    // 1. Install (IT: the older package, by the book; OT: the built root file system has it).
    await Promise.all([
      runStep('it-install', { version: olderVersion }),
      runStep('ot-install', { version }),
    ]);
    assert.equal((await it.mustSh('systemctl is-active airlock-it')).trim(), 'active');
    mark('install packages');

    // 2. Address, certificate; 3. the first admin with the set-up code.
    await runStep('it-config', { 'it-address': ADDRESS.itForCorp });
    await waitFor(
      'the first start to print a set-up code',
      async () => (await setupCodes(it)).length >= 1,
    );
    const tls = parseJson<{ tlsFingerprint: string }>(
      (await runStep('it-tls', {})).split('\n')[0] ?? '',
      'tls-import',
    );
    await waitFor(
      'the restart to print a new set-up code',
      async () => (await setupCodes(it)).length >= 2,
      60_000,
    );
    const codeLine = await runStep('it-setup-code', {});
    const setupCode = /set-up code: (\S+)/.exec(codeLine)?.[1] ?? '';
    assert.equal(setupCode, (await setupCodes(it)).at(-1), 'the latest code');
    assert.match(
      it.console(),
      new RegExp(`set-up code: ${setupCode}`),
      'printed on the console too',
    );
    const adminPassword = 'correct horse battery staple 15';
    const setup = parseJson<{ enrollmentToken: string; secret: string }>(
      await runStep('corp-setup', {
        'set-up code': setupCode,
        'it-address': ADDRESS.itForCorp,
        'admin password': adminPassword,
      }),
      'setup',
    );
    const enrolled = parseJson<{ token: string; recoveryCodes: string[] }>(
      await runStep('corp-enroll', {
        'mfa enrollment token': setup.enrollmentToken,
        'admin authenticator code': totp(setup.secret),
        'it-address': ADDRESS.itForCorp,
      }),
      'enroll confirm',
    );
    assert.equal(enrolled.recoveryCodes.length, 10);
    const again = await op.api('POST', '/setup', undefined, {
      code: setupCode,
      name: 'admin2',
      password: 'another long passphrase 9',
    });
    assert.equal(again.status, 403, 'the set-up code works once');
    assert.equal((again.body.error as { code: string }).code, 'setup.done');
    mark('certificate, first admin');

    // 4. Site, users, window, enrollment token.
    const siteOut = await runStep('it-site', {});
    const people = parseUsers(siteOut);
    const alice = people.get('alice');
    const olga = people.get('olga');
    assert.ok(alice !== undefined && olga !== undefined, siteOut);
    const siteToken = /\n\s+(aet_\S+)\n/.exec(siteOut)?.[1] ?? '';
    const itFingerprint = /certificate SHA-256:\n\s+(\S+)/.exec(siteOut)?.[1] ?? '';
    assert.equal(itFingerprint, tls.tlsFingerprint, 'the token names the imported certificate');

    // 5. The OT gateway.
    const hmi = {
      'hmi-1 address': ADDRESS.plant,
      'hmi-1 host key fingerprint': plant.hostKeyFingerprint,
      'hmi-1 account': plant.account,
      'hmi-1 password': plant.password,
    };
    await runStep('ot-config', {
      ...hmi,
      'it-address': ADDRESS.itForOt,
      'plant subnet': PLANT_SUBNET,
    });
    await runStep('ot-enroll', {
      ...hmi,
      'it-address': ADDRESS.itForOt,
      'site token': siteToken,
      'it fingerprint': itFingerprint,
    });
    await waitForSiteOnline('plant-1 online at the IT gateway');
    assert.equal((await ot.mustSh('systemctl is-active airlock-ot')).trim(), 'active');
    assert.equal((await ot.mustSh('ss -Htln')).trim(), '', 'the OT gateway listens on nothing');
    mark('site, users, OT gateway enrolled and online');

    // 6. The first approved session, through both appliances to the plant's sshd.
    const aliceToken = parseJson<{ token: string }>(
      await runStep('corp-alice-login', {
        'alice password': alice.password,
        'alice authenticator code': totp(alice.totpSecret),
        'it-address': ADDRESS.itForCorp,
      }),
      'alice login',
    ).token;
    const now = Date.now();
    const request = parseJson<{ id: string }>(
      await runStep('corp-request', {
        'alice token': aliceToken,
        now: new Date(now).toISOString(),
        'in one hour': new Date(now + 3_600_000).toISOString(),
        'it-address': ADDRESS.itForCorp,
      }),
      'request',
    );
    const olgaToken = parseJson<{ token: string }>(
      await runStep('corp-olga-login', {
        'olga password': olga.password,
        'olga authenticator code': totp(olga.totpSecret),
        'it-address': ADDRESS.itForCorp,
      }),
      'olga login',
    ).token;
    const approved = parseJson<{ grantId?: string }>(
      await runStep('corp-approve', {
        'olga token': olgaToken,
        'request id': request.id,
        'it-address': ADDRESS.itForCorp,
      }),
      'approve',
    );
    assert.match(approved.grantId ?? '', /\S/, 'the approval made a grant');
    const hostKey = parseJson<{ knownHosts: string }>(
      await runStep('corp-host-key', {
        'alice token': aliceToken,
        'it-address': ADDRESS.itForCorp,
      }),
      'host key',
    );
    assert.ok(
      hostKey.knownHosts.startsWith(`${ADDRESS.itForCorp} ssh-ed25519 `),
      hostKey.knownHosts,
    );
    // Her API login used this step's code; the SSH login takes the next one.
    await op.prepareSsh(hostKey.knownHosts, alice.password, totp(alice.totpSecret, 1));
    const sshOut = await runStep('corp-ssh', { 'it-address': ADDRESS.itForCorp });
    assert.match(sshOut, /load average/, 'uptime ran on the plant sshd');
    assert.match(
      plant.log(),
      new RegExp(`Accepted password for ${plant.account} from ${ADDRESS.otForPlant}`),
      'the plant saw the OT gateway, with the vault password',
    );
    mark('approved SSH session through both appliances');

    // 7. The host firewall of each role, loaded in the booted machines.
    await checkItFirewall(t, { it, ns, runStep });
    await checkOtFirewall(t, {
      ot,
      ns,
      runStep,
      hmi,
      cleanups,
      audit: (query) => op.api('GET', `/sites/plant-1/audit?${query}`, olgaToken),
    });
    await waitFor(
      'plant-1 online again after the OT gateway restarted',
      async () => (await siteLink()) === 'online',
      60_000,
      250,
    );
    mark('host firewalls: IT ports, OT rules from the policy, a policy change');

    // 9. Upgrade to this build: migrated, state intact.
    copyFileSync(debs.it, join(dirs.it1, 'root', `airlock-it_${version}_amd64.deb`));
    const upgrade = await runStep('it-upgrade', { version });
    const migrated = parseJson<{ before: Record<string, number>; after: Record<string, number> }>(
      /\{"database".*\}/.exec(upgrade)?.[0] ?? '',
      'migrate',
    );
    const newest = migrated.after.it ?? 0;
    assert.equal(migrated.before.it, newest - 1, 'the older build lacked the newest it migration');
    assert.equal((await it.mustSh('systemctl is-active airlock-it')).trim(), 'active');
    await waitForSiteOnline('plant-1 back online after the upgrade');
    const adminLogin = await op.api('POST', '/auth/login', undefined, {
      name: 'admin',
      password: adminPassword,
      recoveryCode: enrolled.recoveryCodes[0],
    });
    assert.equal(adminLogin.status, 200, 'the admin still logs in after the upgrade');
    assert.equal((await it.mustSh('airlock-it --version')).trim(), version);
    // The operator's firewall edit (section 7) survived the upgrade, in the file and loaded.
    assert.match(
      await it.mustSh('grep ^define /etc/airlock/nftables-it.nft; nft list table inet airlock_it'),
      new RegExp(
        `define MANAGEMENT_NETS = \\{ ${ADDRESS.corp}/32 \\}[\\s\\S]*ip saddr ${ADDRESS.corp} tcp dport`,
      ),
    );
    mark('upgrade');

    // The services as installed: hardening scores, capabilities, key files.
    const scores = {
      'airlock-it.service': exposureOf(
        await it.mustSh('systemd-analyze security airlock-it.service || true'),
        'airlock-it.service',
      ),
      'airlock-ot.service': exposureOf(
        await ot.mustSh('systemd-analyze security airlock-ot.service || true'),
        'airlock-ot.service',
      ),
    };
    for (const [unit, score] of Object.entries(scores)) {
      t.diagnostic(`systemd-analyze security ${unit}: exposure ${score}`);
      process.stdout.write(`# systemd-analyze security ${unit}: exposure ${score}\n`);
      assert.ok(score <= 2.0, `${unit} exposure ${score} > 2.0`);
    }
    const itProc = await it.mustSh(
      'pid=$(systemctl show -p MainPID --value airlock-it); stat -c %U /proc/$pid; grep CapEff /proc/$pid/status',
    );
    assert.match(
      itProc,
      /^airlock-it\nCapEff:\s+0000000000000400\n$/,
      'the IT gateway holds CAP_NET_BIND_SERVICE only',
    );
    const listening = await it.mustSh('ss -Htln');
    assert.match(listening, /0\.0\.0\.0:443\b/);
    assert.match(listening, /0\.0\.0\.0:22\b/);
    for (const [m, role] of [
      [it, 'it'],
      [ot, 'ot'],
    ] as const) {
      const keys = (
        await m.mustSh(
          `stat -c '%a %U %n' /var/lib/airlock-${role}/keys/* /var/lib/airlock-${role}`,
        )
      )
        .trim()
        .split('\n');
      for (const k of keys) assert.match(k, new RegExp(`^(600|700) airlock-${role} `), k);
    }

    // 8. Backups (IT, and OT's for the wrong-role check), then the older package refuses.
    mark('services checked');
    await runStep('it-backup-passphrase', {});
    const itBackup = parseJson<{ backup: string; files: number }>(
      (await runStep('it-backup', {})).trim(),
      'it backup',
    );
    const otBackup = parseJson<{ backup: string }>(
      (await runStep('ot-backup', {})).trim(),
      'ot backup',
    );
    assert.ok(itBackup.files > 5);
    const backupFile = join(dirs.it1, itBackup.backup);
    const passphraseFile = join(dirs.it1, 'root', 'backup-passphrase');
    assert.ok(existsSync(backupFile) && existsSync(passphraseFile));
    mark('backups');
    const downgrade = await it.sh(`dpkg -i airlock-it_${olderVersion}_amd64.deb 2>&1`);
    assert.match(
      downgrade.stdout,
      new RegExp(
        `Database schema: .*it/${newest}.*this build \\(Airlock ${olderVersion.replace(/[.~]/g, '\\$&')}\\) knows up to: .*it/${newest - 1}`,
      ),
      downgrade.stdout,
    );
    assert.notEqual((await it.sh('systemctl is-active airlock-it')).stdout.trim(), 'active');
    await it.sh('systemctl start airlock-it');
    await waitFor(
      'the older gateway to refuse newer state',
      async () => /written by a newer Airlock/.test(await journalOf(it, 'airlock-it')),
      30_000,
      250,
    );
    await it.sh('systemctl stop airlock-it');
    mark('the older package refuses newer state');

    // The IT appliance is replaced by a fresh one from the built IT root file system, same address.
    await it.stop();
    copyFileSync(backupFile, join(dirs.it2, 'root', 'it.backup'));
    copyFileSync(passphraseFile, join(dirs.it2, 'root', 'backup-passphrase'));
    chmodSync(join(dirs.it2, 'root', 'backup-passphrase'), 0o600);
    const tampered = readFileSync(backupFile);
    const at = Math.floor(tampered.length / 2);
    tampered[at] = (tampered[at] ?? 0) ^ 0x40;
    writeFileSync(join(dirs.it2, 'root', 'tampered.backup'), tampered);
    copyFileSync(join(dirs.ot, otBackup.backup), join(dirs.it2, 'root', 'ot.backup'));
    writeFileSync(join(dirs.it2, 'root', 'wrong-passphrase'), 'not the passphrase at all\n', {
      mode: 0o600,
    });
    it = await boot('it2', dirs.it2, 'it');
    mark('boot a fresh IT appliance from the built root file system');
    assert.equal((await it.mustSh('systemctl is-active airlock-it')).trim(), 'active');
    await waitFor(
      'the fresh appliance to show its own set-up code',
      async () => (await setupCodes(it)).length === 1,
    );
    await it.mustSh('systemctl stop airlock-it');
    const state = async (): Promise<string> =>
      it.mustSh(
        'ls -la --time-style=+ /var/lib/airlock-it /etc/airlock; md5sum /etc/airlock/it.json',
      );
    const before = await state();
    for (const [file, pass, message] of [
      ['tampered.backup', 'backup-passphrase', /tampered with: chunk \d+ fails authentication/],
      [
        'ot.backup',
        'backup-passphrase',
        /this is a backup of an OT gateway \(site plant-1\), and this is an IT gateway/,
      ],
      ['it.backup', 'wrong-passphrase', /wrong passphrase/],
    ] as const) {
      const r = await it.sh(
        `airlock-it restore --config /etc/airlock/it.json --in /root/${file} --passphrase-file /root/${pass}`,
      );
      assert.equal(r.code, 1, `${file}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(await state(), before, `${file}: nothing changed`);
    }
    await it.mustSh('systemctl start airlock-it');
    const running = await it.sh(
      'airlock-it restore --config /etc/airlock/it.json --in /root/it.backup --passphrase-file /root/backup-passphrase',
    );
    assert.match(running.stderr, /the gateway is running; stop it first/);
    mark('bad backups refused');
    const restoreOut = await runStep('it-restore', {});
    const restored = parseJson<{ auditChain: { ok: boolean; events: number }; from: string }>(
      /\{"restored".*\}/.exec(restoreOut)?.[0] ?? '',
      'restore',
    );
    assert.equal(restored.auditChain.ok, true);
    assert.ok(restored.auditChain.events > 10, 'the restored chain verified');
    assert.equal(restored.from, version);
    await waitForSiteOnline('plant-1 to reconnect to the restored IT gateway');
    const setupAfter = await op.api('GET', '/setup');
    assert.deepEqual(setupAfter.body, { open: false }, 'the restored gateway has its admin');
    const aliceAgain = await op.api('POST', '/auth/login', undefined, {
      name: 'alice',
      password: alice.password,
      code: totp(alice.totpSecret, 1),
    });
    assert.equal(aliceAgain.status, 200, JSON.stringify(aliceAgain.body));
    mark('restore onto a fresh IT appliance; the site reconnected');

    assert.deepEqual(doc.notRun(), [], 'every docs/install.md step ran');
    t.diagnostic(`appliance test: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  },
);
