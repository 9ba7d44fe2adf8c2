// ESLint: the recommended rules of ESLint, typescript-eslint (without type information: see below), Astro and MDX,
// run by `npm run lint` (part of `npm test`). tsc (`npm run check`) does the type checking.
//
// Type-aware rules (no-floating-promises, no-misused-promises) are not on: they build the whole TypeScript program a
// second time after tsc has. On the shared 2-core machine the lint took 46-75 s without them and 263 s with
// typescript-eslint's type-checked set; the two promise rules alone took 133 s.
import { defineConfig, globalIgnores } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import astro from 'eslint-plugin-astro';
import * as mdx from 'eslint-plugin-mdx';
import globals from 'globals';

export default defineConfig(
  // What .gitignore lists: build output and local scratch folders.
  globalIgnores(['dist/', 'sandboxes/dist/', '.astro/', 'bench/.out/', '.bench/', 'tmp/']),
  { files: ['**/*.{js,mjs,ts,astro,mdx}'], extends: [js.configs.recommended] },
  { files: ['**/*.{ts,astro}'], extends: [tseslint.configs.recommended] },
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  {
    // The functions these benchmarks hand to Chromium (page.evaluate, addInitScript) run in the page.
    files: ['bench/page-load.mjs', 'bench/main-thread.mjs', 'bench/render-load.mjs'],
    languageOptions: { globals: globals.browser },
  },
  ...astro.configs.recommended,
  mdx.flat,
  {
    // An MDX `{expression}` is rendered into the page, not evaluated as a statement.
    files: ['**/*.mdx'],
    rules: { 'no-unused-expressions': 'off' },
  },
  {
    rules: {
      eqeqeq: ['error', 'smart'],
      // A caught error is rethrown in the real tool's words with the cause quoted in them ("Starting frontend fe_main:
      // cannot bind socket (…)", "open prometheus.yml: no such file or directory"), and only that message is printed:
      // a `cause` would carry the same fact a second time, in code that learners read.
      'preserve-caught-error': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // `_` names a value left out on purpose: a key dropped from a copy (`const { port: _, ...rest } = options`), a
      // parameter an interface requires. tsc's noUnusedLocals/noUnusedParameters report the rest.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    rules: { 'no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    // Tests match the column-aligned output of the tools the sandbox models (nmap's PORT STATE SERVICE table,
    // tcpdump's indented payload, psql's status line) with the text as the tool prints it.
    files: ['tests/**/*.ts'],
    rules: { 'no-regex-spaces': 'off' },
  },
);
