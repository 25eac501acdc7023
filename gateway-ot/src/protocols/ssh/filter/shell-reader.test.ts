/** The shell reader: commands and the state a line leaves open, checked against what sh does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readShell } from './shell-reader.js';

test('commands are cut and unquoted like a shell reads them', () => {
  const table: [string, string[]][] = [
    ['ls -l', ['ls -l']],
    ["'r'm -rf /", ['rm -rf /']],
    ['r\\m -rf /', ['rm -rf /']],
    ['ls; rm -rf /', ['ls', 'rm -rf /']],
    ['true && rm x || ls | wc & id', ['true', 'rm x', 'ls', 'wc', 'id']],
    ['echo $(rm -rf /) done', ['echo', 'rm -rf /', 'done']],
    ['echo "a $(reboot) b"', ['echo a', 'reboot', 'b']],
    ['echo `reboot`', ['echo', 'reboot']],
    ['echo "n-$((1+1))" $((2*3))', ['echo n-$((1+1)) $((2*3))']],
    ['echo $(( $(reboot) + 1 ))', ['echo', 'reboot', '+ 1']],
    ['echo ${HOME:-"x y"}', ['echo ${HOME:-x y}']],
    ["echo hi # it's a comment; rm -rf /", ['echo hi']],
    ['echo a#b $#', ['echo a#b $#']],
    ['echo "it\'s" \'a "b"\'', ['echo it\'s a "b"']],
    ['echo "\\$x \\q"', ['echo $x \\q']],
    ['ech\\\no hi', ['echo hi']],
    ['cat <<EOF\nhello $(id) `uname`\nEOF\nls', ['cat <<EOF', 'id', 'uname', 'ls']],
    ["cat <<'EOF'\n$(rm -rf /)\nEOF", ['cat <<EOF']],
    ['cat <<-E; ls\n\t$(reboot)\n\tE', ['cat <<E', 'ls', 'reboot']],
    ["echo 'x\nid '; touch /tmp/p; echo '\n'", ['echo x\nid', 'touch /tmp/p', 'echo']],
  ];
  for (const [text, commands] of table) {
    const r = readShell(text);
    assert.deepEqual(r.commands, commands, JSON.stringify(text));
    assert.deepEqual(r.open, [], `${JSON.stringify(text)} is complete`);
  }
});

test('what a line leaves open: the shell reads the next line as part of the same command', () => {
  const table: [string, string[]][] = [
    ["echo 'x\n", ['single quote']],
    ["echo 'x\nid '; touch /tmp/p; echo '\n", ['single quote']],
    ['echo "x\n', ['double quote']],
    ['echo x \\\n', ['backslash continuation']],
    ['echo x \\', ['backslash continuation']],
    ['echo "a \\\n', ['backslash continuation', 'double quote']],
    ['cat <<EOF\n', ['here-document']],
    ['cat <<EOF\nbody\n', ['here-document']],
    ["cat <<'E O'\nbody\nE O\n", []],
    ['echo $(\n', ['$( command substitution']],
    ['echo "$(ls\n', ['$( command substitution', 'double quote']],
    ['echo `ls\n', ['backquote substitution']],
    ['echo ${x\n', ['${ parameter expansion']],
    ['echo $((1 +\n', ['$(( arithmetic']],
    ['ls |\n', ['trailing |, && or ||']],
    ['ls &&\n', ['trailing |, && or ||']],
    ['ls || # why\n', ['trailing |, && or ||']],
    ["echo hi # it's\n", []],
    ["echo 'a'\\''b'\n", []],
    ['ls &\n', []],
    ["echo '\\'\n", []],
  ];
  for (const [text, open] of table) {
    assert.deepEqual(readShell(text).open, open, JSON.stringify(text));
  }
});
