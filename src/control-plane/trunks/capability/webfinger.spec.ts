import { acctUri, SIP_TRUNKING_CAPABILITY, trunkIdOfResource, trunkJrd } from './webfinger.js';

const PUBLIC_URL = 'https://api.carrier.example:8443';
const ID = 'trk_5k2m9q0d3x7c1v8b4n6p';
const CAP_URL = `${PUBLIC_URL}/capability/v1/trunks/${ID}`;

describe('WebFinger resources', () => {
  it('names a trunk by acct URI on the control plane host, with or without the port', () => {
    expect(trunkIdOfResource(`acct:${ID}@api.carrier.example`, PUBLIC_URL)).toBe(ID);
    expect(trunkIdOfResource(`acct:${ID}@API.Carrier.Example:8443`, PUBLIC_URL)).toBe(ID);
    expect(trunkIdOfResource(`ACCT:${ID}@api.carrier.example`, PUBLIC_URL)).toBe(ID);
    expect(acctUri(ID, PUBLIC_URL)).toBe(`acct:${ID}@api.carrier.example`);
  });

  it('names a trunk by its capability URL', () => {
    expect(trunkIdOfResource(CAP_URL, PUBLIC_URL)).toBe(ID);
  });

  it('names nothing else', () => {
    for (const resource of [
      `acct:${ID}@other.example`,
      `acct:@api.carrier.example`,
      `acct:trk_short@api.carrier.example`,
      `acct:${ID}`,
      `acct:%E0%A4%A@api.carrier.example`,
      `https://other.example:8443/capability/v1/trunks/${ID}`,
      `http://api.carrier.example:8443/capability/v1/trunks/${ID}`,
      `${CAP_URL}?x=1`,
      `${CAP_URL}/more`,
      `${PUBLIC_URL}/ript/v1/tgs/${ID}`,
      PUBLIC_URL,
      'mailto:someone@api.carrier.example',
      'not a uri',
    ]) {
      expect(trunkIdOfResource(resource, PUBLIC_URL)).toBeNull();
    }
  });

  it('answers a JRD with the sip-trunking-capability link, filtered by rel', () => {
    const acct = acctUri(ID, PUBLIC_URL);
    expect(trunkJrd(acct, ID, PUBLIC_URL)).toEqual({
      subject: acct,
      aliases: [CAP_URL],
      links: [{ rel: SIP_TRUNKING_CAPABILITY, type: 'application/json', href: CAP_URL }],
    });
    expect(trunkJrd(CAP_URL, ID, PUBLIC_URL, ['sip-trunking-capability']).aliases).toEqual([acct]);
    expect(trunkJrd(acct, ID, PUBLIC_URL, ['sipTrunkingCapability']).links).toHaveLength(1);
    expect(trunkJrd(acct, ID, PUBLIC_URL, ['http://webfinger.net/rel/avatar']).links).toEqual([]);
  });
});
