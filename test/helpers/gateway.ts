import { readFileSync } from 'node:fs';
import { RiptTrunkClient, type InboundCall, type InboundService, type TgDescriptionDoc } from '@riptrunk/sdk';
import {
  createGatewayMedia,
  Gateway,
  gatewayIdentity,
  type CallLogEntry,
  type GatewayOptions,
} from '@riptrunk/sdk/gateway';
import { EdgeConfigStore } from '../../src/edge/config/edge-config.store.js';
import { sdkEnterprise, TEST_CA_FILE, tenantWithCode } from './enterprise.js';
import type { TestControlPlane, TestEdge } from './control-plane.js';
import { localhostCertificate } from './tg-server.js';
import { eventually } from './wait.js';
import { freeUdpPort } from './sipp.js';

/** An interconnect tenant with one trunk, onboarded as a gateway would be (profile §10). */
export async function interconnectClient(
  cp: TestControlPlane,
  name: string,
  /** Onboard one more gateway on this interconnect tenant (its trunk exists) instead of creating one. */
  existingTenantId?: string,
  limits: { maxConcurrentCalls: number; maxCallsPerSecond: number } = { maxConcurrentCalls: 50, maxCallsPerSecond: 50 },
): Promise<{ tenantId: string; client: RiptTrunkClient; tg: TgDescriptionDoc }> {
  let tenantId = existingTenantId;
  if (!tenantId) {
    const tenant = await cp.admin.post('/v1/tenants', { name, kind: 'interconnect' });
    if (tenant.status !== 201) throw new Error(`interconnect tenant: ${tenant.status} ${tenant.text}`);
    tenantId = tenant.body.id as string;
    const trunk = await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
      name: `${name}-trunk`,
      ...limits,
    });
    if (trunk.status !== 201) throw new Error(`interconnect trunk: ${trunk.status} ${trunk.text}`);
  }
  const code = await cp.admin.post(`/v1/tenants/${tenantId}/onboarding-codes`, {});
  const profile = await RiptTrunkClient.onboard(cp.url, code.body.code, { caFile: TEST_CA_FILE });
  const client = await RiptTrunkClient.fromProfile(profile);
  const [listed] = await client.providerTgs();
  const tg = await eventually(
    () => client.tgDescription(listed.uri).catch(() => undefined as unknown as TgDescriptionDoc),
    (d) => !!d,
  );
  return { tenantId, client, tg };
}

export { tenantWithCode };

export interface TestGateway {
  gateway: Gateway;
  sipPort: number;
  log: CallLogEntry[];
  close(): Promise<void>;
}

/** A gateway on UDP 127.0.0.1, towards `peerPort`, with RTP ports of its own range. */
export async function startTestGateway(
  client: RiptTrunkClient,
  peerPort: number,
  options: {
    egress?: string[];
    priority?: number;
    rtpBase: number;
    /** Verify Identity headers: trust this control plane's STIR CA, fetch x5u from its certificate repository. */
    stir?: TestControlPlane;
    /** The peer's address (default 127.0.0.1). */
    peerHost?: string;
  } & Partial<GatewayOptions>,
): Promise<TestGateway> {
  const sipPort = await freeUdpPort();
  const log: CallLogEntry[] = [];
  const cert = await localhostCertificate(true);
  const gateway = await Gateway.start({
    client,
    sipListen: [{ transport: 'udp', host: '127.0.0.1', port: sipPort }],
    sipPeer: { transport: 'udp', host: options.peerHost ?? '127.0.0.1', port: peerPort },
    ...(options.placement ? { placement: options.placement } : {}),
    ...(options.allow ? { allow: options.allow } : {}),
    media: ({ publicAddress }) =>
      createGatewayMedia({
        publicAddress,
        bindAddress: '127.0.0.1',
        ports: { min: options.rtpBase, max: options.rtpBase + 199 },
      }),
    identity: gatewayIdentity(
      options.stir
        ? {
            trustPem: readFileSync('.data/test/stir-ca.pem', 'utf8'),
            repositories: [`${options.stir.url}/ript/v1/certs/`],
            fetchPem: async (url) => {
              const res = await options.stir!.client().get(new URL(url).pathname);
              if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
              return res.text;
            },
          }
        : {},
    ),
    e164: options.e164 ?? ((user) => (user && /^\+[1-9]\d{1,14}$/.test(user) ? user : null)),
    egress: options.egress,
    inbound: {
      cert: cert.certPem,
      key: cert.keyPem,
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
    },
    onLog: (e) => log.push(e),
  });
  return { gateway, sipPort, log, close: () => gateway.close({ unregister: true }) };
}

export type { InboundCall };

/**
 * Acme, the tenant the SIP core calls in these tests: numbers +14085550100-199, its SDK consumer TG registered and
 * known to the edge; `onCall` hears every call delivered to it.
 */
export async function acmeServing(
  cp: TestControlPlane,
  edge: TestEdge,
  onCall: (call: InboundCall) => void,
): Promise<{ tenantId: string; client: RiptTrunkClient; tg: TgDescriptionDoc; inbound: InboundService }> {
  const a = await sdkEnterprise(
    cp,
    'Acme',
    { start: '+14085550100', count: 100 },
    { name: 'acme', maxConcurrentCalls: 10, maxCallsPerSecond: 20 },
  );
  const cert = await localhostCertificate(true);
  const inbound = await a.client.serveInbound({ tg: a.tg, cert: cert.certPem, key: cert.keyPem });
  inbound.server.onCall(onCall);
  await eventually(
    () => edge.app.get(EdgeConfigStore).consumerTgsOf(a.tenantId).length,
    (n) => n === 1,
  );
  return { tenantId: a.tenantId, client: a.client, tg: a.tg, inbound };
}
