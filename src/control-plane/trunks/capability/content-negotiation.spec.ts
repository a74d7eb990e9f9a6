import { JSON_TYPE, negotiateCapabilityType, YANG_DATA_JSON_TYPE } from './content-negotiation.js';

describe('negotiateCapabilityType', () => {
  it('answers application/json (RFC 10006) without a preference', () => {
    for (const accept of [undefined, '', '*/*', 'application/*', 'application/json', 'text/html, */*;q=0.1']) {
      expect(negotiateCapabilityType(accept)).toBe(JSON_TYPE);
    }
  });

  it('answers application/yang-data+json to a client that prefers it', () => {
    expect(negotiateCapabilityType('application/yang-data+json')).toBe(YANG_DATA_JSON_TYPE);
    expect(negotiateCapabilityType('application/json;q=0.5, application/yang-data+json')).toBe(YANG_DATA_JSON_TYPE);
    expect(negotiateCapabilityType('Application/YANG-Data+JSON; charset=utf-8')).toBe(YANG_DATA_JSON_TYPE);
    expect(negotiateCapabilityType('application/yang-data+json, application/json')).toBe(JSON_TYPE);
  });

  it('is null (406) when neither is acceptable', () => {
    expect(negotiateCapabilityType('text/html')).toBeNull();
    expect(negotiateCapabilityType('application/xml, text/*')).toBeNull();
    expect(negotiateCapabilityType('application/json;q=0, application/yang-data+json;q=0')).toBeNull();
    expect(negotiateCapabilityType('*/*;q=0')).toBeNull();
  });
});
