// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** @param {string[]} folders imports from these sibling folders are errors */
const notFrom = (folders) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          regex: `(^|/)(${folders.join('|')})/`,
          message: `not from ${folders.join('/, ')}/: the sender's layers point one way; shared types go in model/`,
        },
      ],
    },
  ],
});

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.cache/**',
      '.stack/**',
      '.stack-*/**',
      'coverage/**',
      'test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // dashboard/public/*.js are type-checked through its tsconfig.json (DOM types, JSDoc).
        projectService: { allowDefaultProject: ['*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // The sender's layers point one way: model ← store ← api, delivery, emitters. The API wakes the
  // delivery worker through its deps and never imports it.
  { files: ['sender/src/model/**'], rules: notFrom(['store', 'api', 'delivery', 'emitters']) },
  { files: ['sender/src/store/**'], rules: notFrom(['api', 'delivery', 'emitters']) },
  { files: ['sender/src/api/**'], rules: notFrom(['delivery']) },
  {
    // Entry points, the stack launcher, the CLI's commands, scripts, benchmarks and tests may print to the terminal.
    files: [
      '**/src/index.ts',
      'stack/src/**',
      'cli/src/bin.ts',
      'cli/src/commands/**',
      'test/**',
      'bench/**',
      '**/*.test.ts',
      'scripts/**',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    // The dashboard's browser modules: TypeScript (dashboard/public/tsconfig.json) knows the DOM's names,
    // and the JSON the page reads from the APIs is untyped without a build step.
    files: ['dashboard/public/**/*.js'],
    rules: {
      'no-undef': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.stringContaining) are typed `any`.
    files: ['**/*.test.ts', 'test/**'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
);
