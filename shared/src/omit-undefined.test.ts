import assert from 'node:assert/strict';
import { test } from 'node:test';
import { omitUndefined } from './omit-undefined.js';

test('omitUndefined keeps defined values (falsy ones too) and drops undefined keys', () => {
  const maybe: string | undefined = undefined;
  const out = omitUndefined({ a: 1, b: maybe, c: 0, d: '', e: null, f: false });
  assert.deepEqual(out, { a: 1, c: 0, d: '', e: null, f: false });
  assert.equal(Object.hasOwn(out, 'b'), false);
});

test('omitUndefined output fits an exact optional property type', () => {
  interface Options {
    readonly host: string;
    readonly port?: number;
  }
  const port: number | undefined = undefined;
  const options: Options = { host: 'h', ...omitUndefined({ port }) };
  assert.deepEqual(options, { host: 'h' });
});
