import * as client from 'openid-client';
import { startControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { capabilitySchemaErrors, duplicateListKeys } from '../helpers/capability-schema.js';
import { onboardWithOpenIdClient, tenantWithCode } from '../helpers/enterprise.js';

const ROOT = 'ietf-sip-auto-peering:sip-auto-peering';
const RIPT = 'riptrunk-sip-auto-peering:ript';

describe('SIP capability set documents (RFC 10006) and WebFinger discovery', () => {
  let cp: TestControlPlane;
  const agents: { close(): Promise<void> }[] = [];
  let tenantId: string;
  let otherTenantId: string;
  let token: string; // trunk:read, tenant Acme
  let tgsOnlyToken: string; // ript:tgs, tenant Acme
  const ranges: Record<string, string> = {};
  let trunkId: string; // every range of the tenant
  let narrowTrunkId: string; // callerIdRangeIds: the small range only
  let otherTrunkId: string;

  const capPath = (id: string) => `/capability/v1/trunks/${id}`;
  const webfinger = (params: Record<string, string | string[]>) => {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      for (const v of Array.isArray(value) ? value : [value]) query.append(name, v);
    }
    return cp.client().get(`/.well-known/webfinger?${query.toString()}`);
  };

  async function created(res: { status: number; body: any; text: string }) {
    if (res.status !== 201) throw new Error(`${res.status} ${res.text}`);
    return res.body;
  }

  async function addRange(tenant: string, start: string, end: string): Promise<string> {
    return (await created(await cp.admin.post(`/v1/tenants/${tenant}/number-ranges`, { start, end }))).id;
  }

  beforeAll(async () => {
    cp = await startControlPlane();
    const acme = await tenantWithCode(cp, 'Acme');
    tenantId = acme.tenantId;
    ranges.small = await addRange(tenantId, '+14085550100', '+14085550199');
    ranges.large = await addRange(tenantId, '+14085600000', '+14085669999'); // 70,000 numbers
    trunkId = (
      await created(
        await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
          name: 'sip-primary',
          codecs: ['PCMU', 'opus', 'G722'],
          destinations: ['+1*', '+44*'],
          maxConcurrentCalls: 50,
          maxCallsPerSecond: 5,
        }),
      )
    ).id;
    narrowTrunkId = (
      await created(
        await cp.admin.post(`/v1/tenants/${tenantId}/trunks`, {
          name: 'sip-narrow',
          maxConcurrentCalls: 10,
          maxCallsPerSecond: 1,
          callerIdRangeIds: [ranges.small],
        }),
      )
    ).id;
    const other = await created(await cp.admin.post('/v1/tenants', { name: 'Other' }));
    otherTenantId = other.id;
    await addRange(otherTenantId, '+14155550100', '+14155550199');
    otherTrunkId = (
      await created(
        await cp.admin.post(`/v1/tenants/${otherTenantId}/trunks`, {
          name: 'other',
          maxConcurrentCalls: 5,
          maxCallsPerSecond: 1,
        }),
      )
    ).id;

    const { config, agent } = await onboardWithOpenIdClient(cp, acme.code, 'trunk:read ript:tgs');
    agents.push(agent);
    token = (await client.clientCredentialsGrant(config, { scope: 'trunk:read' })).access_token;
    tgsOnlyToken = (await client.clientCredentialsGrant(config, { scope: 'ript:tgs' })).access_token;
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await cp?.close();
  });

  describe('GET /capability/v1/trunks/{trunkId}', () => {
    it("renders the trunk as a schema-valid ietf-sip-auto-peering document for the tenant's own token", async () => {
      const res = await cp.client(token).get(capPath(trunkId));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(capabilitySchemaErrors(res.body)).toEqual([]);
      expect(duplicateListKeys(res.body)).toEqual([]);
      expect(Object.keys(res.body)).toEqual([ROOT]);

      const doc = res.body[ROOT];
      const edge = new URL(cp.config.edgePublicUrl);
      expect(doc.variant).toBe('ietf-sip-auto-peering:v1-0');
      expect(doc.revision.location).toBe(`${cp.url}${capPath(trunkId)}`);
      expect(Date.parse(doc.revision['not-before'])).not.toBeNaN();
      expect(doc['transport-info']).toEqual({
        transport: ['ietf-sip-auto-peering:tcp'],
        'call-control': [{ host: edge.hostname, port: Number(edge.port || 443) }],
      });
      expect(doc['call-spec']['number-range']).toEqual([
        { index: 0, type: 'range', count: 100, value: ['14085550100'] },
        { index: 1, type: 'range', count: 65_535, value: ['14085600000'] },
        { index: 2, type: 'range', count: 70_000 - 65_535, value: ['14085665535'] },
      ]);
      expect(doc.media['media-type-audio']).toEqual([
        { 'media-format': 'ietf-sip-auto-peering:pcmu', rate: 8000, ptime: 20 },
        { 'media-format': 'ietf-sip-auto-peering:opus', rate: 48000, ptime: 20 },
        { 'media-format': 'ietf-sip-auto-peering:g722', rate: 8000, ptime: 20 },
      ]);
      expect(doc.dtmf).toEqual({ 'payload-number': 101, iteration: true });
      expect(doc.security.signaling).toEqual({
        secure: true,
        version: ['ietf-tls-common:tls12', 'ietf-tls-common:tls13'],
      });
      expect(doc.security['secure-telephony-identity']).toEqual({
        'stir-compliance': true,
        'certificate-delegation': true,
      });
      expect(doc[RIPT]).toEqual({
        'tg-uri': `${cp.config.edgePublicUrl}/ript/v1/tgs/${trunkId}`,
        name: 'sip-primary',
        destination: ['+1*', '+44*'],
        'max-concurrent-calls': 50,
        'max-calls-per-second': 5,
        discovery: `${cp.url}/.well-known/ript`,
        certs: `${cp.url}/ript/v1/providertgs/${trunkId}/certs`,
        'stir-ca': `${cp.url}/ript/v1/stir/ca.pem`,
      });
      // The links resolve: discovery and the STIR CA for anyone.
      const ca = await cp.client().get(new URL(doc[RIPT]['stir-ca']).pathname);
      expect(ca.status).toBe(200);
      expect(ca.text).toContain('-----BEGIN CERTIFICATE-----');
      expect((await cp.client().get('/.well-known/ript')).status).toBe(200);
    });

    it("lists only the trunk's caller-ID ranges when it names some", async () => {
      const res = await cp.client(token).get(capPath(narrowTrunkId));
      expect(res.status).toBe(200);
      expect(capabilitySchemaErrors(res.body)).toEqual([]);
      expect(res.body[ROOT]['call-spec']['number-range']).toEqual([
        { index: 0, type: 'range', count: 100, value: ['14085550100'] },
      ]);
      expect(res.body[ROOT].media['media-type-audio'].map((m: any) => m['media-format'])).toEqual([
        'ietf-sip-auto-peering:opus',
        'ietf-sip-auto-peering:pcmu',
        'ietf-sip-auto-peering:pcma',
      ]);
    });

    it('labels the same document application/yang-data+json when asked, and refuses other types with 406', async () => {
      const json = await cp.client(token).get(capPath(trunkId));
      const yang = await cp.client(token).get(capPath(trunkId), {
        headers: { accept: 'application/yang-data+json' },
      });
      expect(yang.status).toBe(200);
      expect(yang.headers['content-type']).toMatch(/^application\/yang-data\+json/);
      expect(JSON.parse(yang.text)).toEqual(json.body);
      expect(yang.headers.etag).not.toBe(json.headers.etag);
      const html = await cp.client(token).get(capPath(trunkId), { headers: { accept: 'text/html' } });
      expect(html.status).toBe(406);
      expect(html.headers['content-type']).toContain('application/problem+json');
    });

    it('sends a strong ETag, and 304 for If-None-Match', async () => {
      const first = await cp.client(token).get(capPath(trunkId));
      expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(first.headers['cache-control']).toBe('private, max-age=60');
      const again = await cp.client(token).get(capPath(trunkId), {
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      const stale = await cp.client(token).get(capPath(trunkId), { headers: { 'if-none-match': '"stale"' } });
      expect(stale.status).toBe(200);
    });

    it('changes its revision when the trunk or its number ranges change', async () => {
      const read = async () => {
        const res = await cp.client(token).get(capPath(trunkId));
        expect(res.status).toBe(200);
        expect(capabilitySchemaErrors(res.body)).toEqual([]);
        return {
          doc: res.body[ROOT],
          notBefore: Date.parse(res.body[ROOT].revision['not-before']),
          etag: res.headers.etag,
        };
      };
      const before = await read();
      const narrowBefore = (await cp.client(token).get(capPath(narrowTrunkId))).headers.etag;

      const patched = await cp.admin.patch(`/v1/tenants/${tenantId}/trunks/${trunkId}`, { maxConcurrentCalls: 60 });
      expect(patched.status).toBe(200);
      const afterPatch = await read();
      expect(afterPatch.doc[RIPT]['max-concurrent-calls']).toBe(60);
      expect(afterPatch.notBefore).toBe(Date.parse(patched.body.updatedAt));
      expect(afterPatch.notBefore).toBeGreaterThan(before.notBefore);
      expect(afterPatch.etag).not.toBe(before.etag);

      const added = await addRange(tenantId, '+14085700000', '+14085700099');
      const afterAdd = await read();
      expect(afterAdd.doc['call-spec']['number-range']).toContainEqual({
        index: 3,
        type: 'range',
        count: 100,
        value: ['14085700000'],
      });
      expect(afterAdd.notBefore).toBeGreaterThan(afterPatch.notBefore);

      expect((await cp.admin.delete(`/v1/tenants/${tenantId}/number-ranges/${added}`)).status).toBe(204);
      const afterDelete = await read();
      expect(afterDelete.doc['call-spec']['number-range']).toHaveLength(3);
      expect(afterDelete.notBefore).toBeGreaterThan(afterAdd.notBefore);
      expect(afterDelete.etag).not.toBe(afterPatch.etag);

      // The narrow trunk names its ranges: the other trunk's change and the other range came and went unseen.
      const narrowAfter = await cp.client(token).get(capPath(narrowTrunkId));
      expect(narrowAfter.headers.etag).toBe(narrowBefore);
    });

    it("answers 404 for another tenant's trunk, an unknown one and a malformed id", async () => {
      for (const id of [otherTrunkId, 'trk_00000000000000000000', 'nope']) {
        const res = await cp.client(token).get(capPath(id));
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
    });

    it('needs a token (401) with scope trunk:read (403); the carrier reads any trunk', async () => {
      expect((await cp.client().get(capPath(trunkId))).status).toBe(401);
      const noScope = await cp.client(tgsOnlyToken).get(capPath(trunkId));
      expect(noScope.status).toBe(403);
      expect(noScope.headers['content-type']).toContain('application/problem+json');
      const admin = await cp.admin.get(capPath(otherTrunkId));
      expect(admin.status).toBe(200);
      expect(capabilitySchemaErrors(admin.body)).toEqual([]);
      expect(admin.body[ROOT]['call-spec']['number-range']).toEqual([
        { index: 0, type: 'range', count: 100, value: ['14155550100'] },
      ]);
    });
  });

  describe('GET /.well-known/webfinger', () => {
    const host = () => new URL(cp.url).hostname;

    it('finds the capability document of a trunk by acct URI, anonymously', async () => {
      const resource = `acct:${trunkId}@${host()}`;
      const res = await webfinger({ resource, rel: 'sip-trunking-capability' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/jrd\+json/);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.body).toEqual({
        subject: resource,
        aliases: [`${cp.url}${capPath(trunkId)}`],
        links: [{ rel: 'sip-trunking-capability', type: 'application/json', href: `${cp.url}${capPath(trunkId)}` }],
      });
      // An SBC follows the link with its token.
      const href = new URL(res.body.links[0].href);
      const doc = await cp.client(token).get(href.pathname);
      expect(doc.status).toBe(200);
      expect(capabilitySchemaErrors(doc.body)).toEqual([]);
    });

    it('finds it by capability URL too, and filters links by rel', async () => {
      const resource = `${cp.url}${capPath(trunkId)}`;
      const res = await webfinger({ resource });
      expect(res.status).toBe(200);
      expect(res.body.links).toHaveLength(1);
      expect(res.body.aliases).toEqual([`acct:${trunkId}@${host()}`]);
      const other = await webfinger({ resource, rel: 'http://webfinger.net/rel/profile-page' });
      expect(other.status).toBe(200);
      expect(other.body.links).toEqual([]);
      const both = await webfinger({
        resource,
        rel: ['http://webfinger.net/rel/profile-page', 'sip-trunking-capability'],
      });
      expect(both.body.links).toHaveLength(1);
    });

    it('answers 400 without a resource and 404 for resources it does not know', async () => {
      const queries: Record<string, string>[] = [{}, { resource: '' }, { rel: 'sip-trunking-capability' }];
      for (const query of queries) {
        const res = await webfinger(query);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
      for (const resource of [
        `acct:trk_00000000000000000000@${host()}`,
        `acct:${trunkId}@elsewhere.example`,
        'https://elsewhere.example/capability/v1/trunks/x',
        cp.url,
      ]) {
        const res = await webfinger({ resource, rel: 'sip-trunking-capability' });
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
    });

    it('answers 404, like for an unknown trunk, for a disabled trunk or a suspended tenant', async () => {
      const resource = `acct:${otherTrunkId}@${host()}`;
      const unknown = await webfinger({ resource: `acct:trk_00000000000000000000@${host()}` });
      expect((await webfinger({ resource })).status).toBe(200);

      await cp.admin.patch(`/v1/tenants/${otherTenantId}/trunks/${otherTrunkId}`, { state: 'disabled' });
      const disabled = await webfinger({ resource });
      expect(disabled.status).toBe(404);
      expect(disabled.body.type).toBe(unknown.body.type);
      // Its owner (here the carrier) still reads the document of a disabled trunk.
      expect((await cp.admin.get(capPath(otherTrunkId))).status).toBe(200);

      await cp.admin.patch(`/v1/tenants/${otherTenantId}/trunks/${otherTrunkId}`, { state: 'active' });
      expect((await webfinger({ resource })).status).toBe(200);
      expect((await cp.admin.post(`/v1/tenants/${otherTenantId}/suspend`, {})).status).toBe(200);
      expect((await webfinger({ resource })).status).toBe(404);
    });
  });
});
