// Lint: TypeScript rules plus the layering of CONVENTIONS.md (import cycles are
// checked by scripts/check-cycles.ts, run by `npm run lint`). Domain modules
// never import transports (http, cli), the composition root (app) or a
// concrete store; only app/ chooses implementations.
import tseslint from 'typescript-eslint';

const domain = ['registry', 'evaluation', 'data', 'drift', 'rollout', 'monitoring', 'security', 'pipeline', 'inference', 'runtime'];
const concreteStores = ['**/store/sqlite/**', '**/store/postgres/**', '**/blob/fs-*', '**/blob/s3-*', '**/app/**'];

export default tseslint.config(
  // tmp/ is git-ignored scratch space.
  { ignores: ['node_modules/**', 'web/dist/**', 'bench/results/**', '.modelgate/**', 'tmp/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...domain.map((dir) => ({
    files: [`src/${dir}/**/*.ts`],
    ignores: [`src/${dir}/**/*.test.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/http/**', '**/cli/**'], message: 'Domain modules never import transports (CONVENTIONS 13).' },
          { group: concreteStores, message: 'Domain modules receive store interfaces; only src/app chooses implementations.' },
        ],
      }],
    },
  })),
  {
    files: ['src/store/**/*.ts', 'src/blob/**/*.ts', 'src/lib/**/*.ts', 'src/runtime/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/http/**', '**/cli/**', '**/app/**', '**/registry/**', '**/rollout/**', '**/evaluation/**', '**/monitoring/**'], message: 'Lower layers never import upper ones.' }],
      }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/cli/main.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config reads process.env; take the resolved Config.' }],
    },
  },
);
