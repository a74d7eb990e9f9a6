import { readFileSync } from 'node:fs';
import { openApiYaml } from '../../src/common/http/openapi.js';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';

describe('openapi/openapi.yaml', () => {
  let cp: TestControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.close();
  });

  it('is what the code generates (run `npm run openapi` after changing the API)', () => {
    expect(readFileSync('openapi/openapi.yaml', 'utf8')).toBe(openApiYaml(cp.app));
  });
});
