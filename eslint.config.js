import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', 'apps/web/dist/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../libs/*', '../libs/*', '**/libs/*/src/*'],
              message: 'Import libraries through @arbiter/<lib>.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'libs/**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    // The clients share the server's wire types and nothing else of it.
    files: ['apps/web/**/*.{ts,tsx}', 'libs/sdk/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@arbiter/(?!contracts/wire$)',
              message: 'Clients import only @arbiter/contracts/wire (plain types, no server modules).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/contracts/src/wire/**/*.ts', 'libs/contracts/src/error-code.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./[\\w-]+\\.js$|\\.\\./error-code\\.js$)',
              message:
                'The browser bundle and the SDK import the wire types: nothing beyond ./*.js and ../error-code.js.',
            },
          ],
        },
      ],
    },
  },
);
