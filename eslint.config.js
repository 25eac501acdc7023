// The project's lint rules: a small set, each one a class of bug the compiler does not catch.
//  - no-floating-promises / no-misused-promises / await-thenable: a promise nobody awaits or
//    catches loses its error (an unhandled rejection ends the process) and its ordering;
//  - no-unused-vars: dead code and forgotten wiring;
//  - consistent-type-imports / -exports: type-only imports are erased, so a module is loaded
//    only where its values are used (node-opcua costs seconds to load);
//  - no-restricted-syntax on `.transaction` in product code: every write transaction goes through
//    writeTransaction (shared/src/store/write-transaction.ts), which begins IMMEDIATE. A deferred
//    transaction that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another
//    connection (a CLI verb, the running gateway) committed in between; busy_timeout cannot help.
// Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.demo/', '.airlock/', '.cache/', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/consistent-type-exports': 'error',
    },
  },
  {
    files: [
      'gateway-it/src/**/*.{ts,tsx}',
      'gateway-ot/src/**/*.{ts,tsx}',
      'shared/src/**/*.{ts,tsx}',
    ],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          "MemberExpression[property.name='transaction']",
          "MemberExpression[property.value='transaction']",
        ].map((selector) => ({
          selector,
          message:
            'open a write transaction with writeTransaction(db, fn) from shared/src/store/write-transaction.ts (BEGIN IMMEDIATE): a deferred one that reads then writes fails at once with SQLITE_BUSY_SNAPSHOT when another connection committed in between. A read-only snapshot may stay deferred: db.transaction with an eslint-disable comment that says why.',
        })),
      ],
    },
  },
);
