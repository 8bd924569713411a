// ESLint flat config: typescript-eslint's recommended rules for the TypeScript (lib/, test/ts/), ESLint's
// recommended rules for the plain CommonJS JavaScript (tests, fixtures, bench, scripts). `npm run lint`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Shared tuning: `_`-prefixed names mark deliberately unused bindings, and an empty catch block is allowed (the
// code swallows best-effort cleanup failures on purpose; a comment inside says why).
const unusedVars = ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'all', caughtErrorsIgnorePattern: '^_' }];

export default defineConfig(
  {
    ignores: ['.cache/', 'dist/', 'build/', 'test/build/', 'node_modules/', 'prebuilds/', 'coverage/', 'bench/results/'],
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'commonjs',
      globals: { ...globals.node },
    },
    rules: {
      'no-unused-vars': unusedVars,
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['test/jest/**/*.js', 'test/package/jest/**/*.js'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: { ...globals.node } },
  },
  {
    files: ['lib/**/*.ts', 'lib/**/*.mts', 'test/ts/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
);
