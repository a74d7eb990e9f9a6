import { parseHandlerUri } from './handler-store.js';

describe('parseHandlerUri', () => {
  it('reads the TG and handler id from the path of any edge of the pool', () => {
    expect(parseHandlerUri('https://edge.example/ript/v1/tgs/trk_1/handlers/pbx-1')).toEqual({
      trunkId: 'trk_1',
      handlerId: 'pbx-1',
    });
    expect(parseHandlerUri('https://other:9443/ript/v1/tgs/trk_1/handlers/a.b~c')).toEqual({
      trunkId: 'trk_1',
      handlerId: 'a.b~c',
    });
  });

  it('refuses anything else', () => {
    for (const uri of [
      'http://edge.example/ript/v1/tgs/trk_1/handlers/pbx-1',
      'https://edge.example/ript/v1/tgs/trk_1/handlers/pbx-1?x=1',
      'https://edge.example/ript/v1/tgs/trk_1/handlers/',
      'https://edge.example/ript/v1/tgs/trk_1/handlers/a/b',
      'https://edge.example/ript/v1/tgs/trk_1/handlers/%2F',
      'https://edge.example/ript/v1/tgs/trk_1/handlers/%E0%A4%A',
      'not a uri',
      '',
    ]) {
      expect(parseHandlerUri(uri)).toBeNull();
    }
  });
});
