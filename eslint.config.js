import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The layout's boundaries (docs/architecture.md), as import restrictions, so that CI fails when one is broken.
const SERVER_ONLY = ['@nestjs/*', 'typeorm', 'pg', 'ioredis', 'bullmq', 'reflect-metadata', 'nestjs-pino', 'fastify'];
const restrict = (patterns) => ['error', { patterns }];
const relative = (folders, message) => ({ regex: `^(\\.\\./)+(${folders})(/|$)`, message });
const EDGE_BOUNDARY = relative(
  'control-plane|\\.\\./control-plane',
  'The edge never imports the control plane: share through src/contracts.',
);
const CONTROL_PLANE_BOUNDARY = relative(
  'edge|\\.\\./edge',
  'The control plane never imports the edge: share through src/contracts.',
);
const COMMON_BOUNDARY = relative(
  'control-plane|edge',
  'src/common is plumbing: it imports no domain folder (root modules list their own).',
);
// Controllers talk to services; the database and Redis sit behind each domain's repository or store.
const NO_STORAGE_IN_CONTROLLERS = [
  {
    regex: '^(typeorm|@nestjs/typeorm|ioredis)(/|$)',
    message: "A controller holds no DataSource, TypeORM repository or Redis client: use the domain's service.",
  },
  {
    regex: '(^|/)(context/db|redis/redis\\.module)\\.js$',
    message: "A controller holds no Db or REDIS: the domain's repository or store reads and writes for it.",
  },
];
// A later block's no-restricted-imports replaces an earlier one for the same file: each layer's controllers keep
// their layer's boundary beside the controller rule.
const controllerRules = (folder, boundary) => ({
  files: [`${folder}/**/*.controller.ts`],
  rules: { 'no-restricted-imports': restrict([...(boundary ? [boundary] : []), ...NO_STORAGE_IN_CONTROLLERS]) },
});

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', '.data/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ['src/edge/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([EDGE_BOUNDARY]),
    },
  },
  {
    files: ['src/control-plane/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([CONTROL_PLANE_BOUNDARY]),
    },
  },
  {
    files: ['src/common/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([COMMON_BOUNDARY]),
    },
  },
  {
    files: ['src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        relative('control-plane|edge', 'src/contracts is what crosses between the processes: it imports neither.'),
      ]),
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        relative(
          '(\\.\\./)*(src|migrations|test|bench|scripts|packages)',
          'A package imports nothing from the server: only packages by name.',
        ),
        { group: SERVER_ONLY, message: 'The published packages carry no server dependency.' },
      ]),
    },
  },
  controllerRules('src'),
  controllerRules('src/edge', EDGE_BOUNDARY),
  controllerRules('src/control-plane', CONTROL_PLANE_BOUNDARY),
  controllerRules('src/common', COMMON_BOUNDARY),
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
