import { ImportGraph, type ModuleId } from '../helpers/import-graph.js';

// The processes' boundaries as the built code has them (`npm test` builds first): what each entry loads.
const under = (folder: string) => (id: ModuleId) => id.startsWith(folder);
const anyOf =
  (...tests: ((id: ModuleId) => boolean)[]) =>
  (id: ModuleId) =>
    tests.some((t) => t(id));

describe('import graph of the built entries', () => {
  describe('the edge (dist/src/edge/main.js)', () => {
    const graph = new ImportGraph('dist/src/edge/main.js');

    it('is walked: it reaches its own modules, the workspace packages and its third-party ones', () => {
      const modules = graph.modules();
      expect(modules).toEqual(
        expect.arrayContaining([
          'dist/src/edge/edge.module.js',
          'packages/ript/dist/index.js',
          'pkg:ioredis',
          'pkg:@nestjs/core',
        ]),
      );
    });

    it('reaches neither typeorm, pg, the migrations nor the control plane', () => {
      const forbidden = anyOf(
        (id) => id === 'pkg:typeorm' || id === 'pkg:pg' || id === 'pkg:@nestjs/typeorm',
        under('dist/migrations/'),
        under('dist/src/control-plane/'),
      );
      expect(graph.violations(forbidden)).toEqual([]);
    });
  });

  describe('the control plane (dist/src/control-plane/main.js)', () => {
    const graph = new ImportGraph('dist/src/control-plane/main.js');

    it('is walked: it reaches its own modules and typeorm', () => {
      expect(graph.modules()).toEqual(
        expect.arrayContaining(['dist/src/control-plane/app.module.js', 'pkg:typeorm', 'pkg:bullmq']),
      );
    });

    it('reaches nothing of the edge', () => {
      expect(graph.violations(under('dist/src/edge/'))).toEqual([]);
    });
  });
});
