import { join } from 'node:path';
import { loadConfig, runMain } from '../src/common/bootstrap.js';
import { startProcess, stopAll, waitReady, type Started } from './processes.js';

/** `npm start`: the control plane, then one edge, until Ctrl-C. */
runMain('riptrunk', async () => {
  const config = loadConfig();
  const caFile = join(config.dataDir, 'ca.pem');
  const running: Started[] = [];
  const shutdown = async (code: number) => {
    await stopAll(running);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const controlPlane = startProcess('control-plane', 'dist/src/control-plane/main.js');
  running.push(controlPlane);
  await waitReady(`${config.publicUrl}/readyz`, caFile, controlPlane).catch(() => shutdown(1));
  const edge = startProcess('edge', 'dist/src/edge/main.js');
  running.push(edge);
  await waitReady(`${config.edgePublicUrl}/readyz`, caFile, edge).catch(() => shutdown(1));
  process.stdout.write(
    `\nriptrunk is up:\n  control plane  ${config.publicUrl}\n  edge           ${config.edgePublicUrl}\n` +
      `  CA certificate ${caFile} (try: curl --http2 --cacert ${caFile} ${config.publicUrl}/readyz)\n` +
      `  operator token ${config.env.RIPTRUNK_ADMIN_TOKEN ? 'RIPTRUNK_ADMIN_TOKEN' : join(config.dataDir, 'admin-token')}\n` +
      'Ctrl-C stops both.\n',
  );
  for (const p of running) p.child.once('exit', (code) => void shutdown(code ?? 1));
});
