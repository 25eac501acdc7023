import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlantArgs } from './plant-args.js';

test('plant arguments: valid forms', { timeout: 5_000 }, () => {
  assert.deepEqual(parsePlantArgs(['all']), {
    ok: true,
    value: {
      kinds: ['ssh', 'modbus', 'opcua'],
      host: '127.0.0.1',
      port: 0,
      dataDir: undefined,
      isHelp: false,
    },
  });
  assert.deepEqual(
    parsePlantArgs(['ssh', '--port', '2222', '--host', 'localhost', '--data-dir', '/tmp/x']),
    {
      ok: true,
      value: { kinds: ['ssh'], host: 'localhost', port: 2222, dataDir: '/tmp/x', isHelp: false },
    },
  );
  assert.deepEqual(parsePlantArgs(['--port=5020', 'modbus']), {
    ok: true,
    value: { kinds: ['modbus'], host: '127.0.0.1', port: 5020, dataDir: undefined, isHelp: false },
  });
  const help = parsePlantArgs(['all', '--bogus', '--help']);
  assert.equal(help.ok, false, 'arguments are checked in order: --bogus comes first');
  const alone = parsePlantArgs(['--help']);
  assert.ok(alone.ok && alone.value.isHelp);
});

test('plant arguments: each mistake names the argument', { timeout: 5_000 }, () => {
  const cases: [string[], RegExp][] = [
    [[], /missing simulator/],
    [['plc'], /unknown simulator "plc"/],
    [['ssh', 'modbus'], /unexpected argument "modbus"/],
    [['ssh', '--port'], /--port expects a number/],
    [['ssh', '--port', '-1'], /--port expects a number/],
    [['ssh', '--port', '65536'], /--port expects a number/],
    [['all', '--port', '65534'], /--port 65534 leaves no room/],
    [['ssh', '--host', '0.0.0.0'], /--host 0\.0\.0\.0 refused: .*loopback only/],
    [['ssh', '--host', '192.168.1.10'], /--host 192\.168\.1\.10 refused/],
    [['ssh', '--data-dir'], /--data-dir expects a directory/],
    [['ssh', '--verbose'], /unknown argument --verbose/],
  ];
  for (const [argv, message] of cases) {
    const parsed = parsePlantArgs(argv);
    assert.equal(parsed.ok, false, argv.join(' '));
    if (!parsed.ok) assert.match(parsed.error, message, argv.join(' '));
  }
});
