import { OAuthError } from '../../common/http/oauth-error.js';
import { validateClientMetadata } from './client-metadata.js';

const key = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};

function errorOf(body: unknown): OAuthError {
  try {
    validateClientMetadata(body);
  } catch (err) {
    return err as OAuthError;
  }
  throw new Error('expected an error');
}

describe('validateClientMetadata', () => {
  it('accepts a private_key_jwt client with jwks and defaults the scopes', () => {
    const m = validateClientMetadata({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key] },
      client_name: 'pbx',
    });
    expect(m.tokenEndpointAuthMethod).toBe('private_key_jwt');
    expect(m.scopes).toEqual(['ript:tgs', 'ript:calls', 'ript:certs', 'trunk:read']);
    expect(m.jwks?.keys[0]).toEqual(key);
  });

  it('defaults to client_secret_basic (RFC 7591) and ignores unknown members', () => {
    const m = validateClientMetadata({ whatever: 1, grant_types: ['client_credentials'], scope: 'trunk:read' });
    expect(m.tokenEndpointAuthMethod).toBe('client_secret_basic');
    expect(m.scopes).toEqual(['trunk:read']);
  });

  it.each([
    [
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key] }, jwks_uri: 'https://x.example/jwks' },
      /not both/,
    ],
    [{ token_endpoint_auth_method: 'none' }, /token_endpoint_auth_method/],
    [{ token_endpoint_auth_method: 'client_secret_post' }, /token_endpoint_auth_method/],
    [{ grant_types: ['authorization_code'] }, /grant_types/],
    [{ grant_types: ['client_credentials', 'refresh_token'] }, /grant_types/],
    [{ token_endpoint_auth_method: 'private_key_jwt' }, /needs jwks/],
    [{ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...key, d: 'secret' }] } }, /private key/],
    [{ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] } }, /P-256/],
    [{ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://x.example/jwks' }, /https/],
    [{ scope: 'admin' }, /scope/],
    [{ response_types: ['code'] }, /response_types/],
    [[], /JSON object/],
  ])('refuses %j', (body, message) => {
    const err = errorOf(body);
    expect(err).toBeInstanceOf(OAuthError);
    expect(err.error).toBe('invalid_client_metadata');
    expect(err.description).toMatch(message);
  });

  it.each([
    'https://10.255.255.1/',
    'https://[::ffff:10.0.0.1]/',
    'https://[64:ff9b::a9fe:a9fe]/',
    'https://127.0.0.1:8443/jwks',
    'https://localhost/jwks',
  ])('refuses a jwks_uri on a private address: %s', (uri) => {
    const err = errorOf({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: uri });
    expect(err).toBeInstanceOf(OAuthError);
    expect(err.error).toBe('invalid_client_metadata');
    expect(err.description).toBe('jwks_uri resolves to a loopback or private address');
  });

  it('accepts a private jwks_uri only where private targets are allowed', () => {
    const body = { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://127.0.0.1:8443/jwks' };
    expect(validateClientMetadata(body, undefined, true).jwksUri).toBe('https://127.0.0.1:8443/jwks');
    expect(validateClientMetadata({ ...body, jwks_uri: 'https://keys.acme.example/jwks' }).jwksUri).toBe(
      'https://keys.acme.example/jwks',
    );
  });

  it('answers redirect URIs with invalid_redirect_uri', () => {
    expect(errorOf({ redirect_uris: ['https://x.example/cb'] }).error).toBe('invalid_redirect_uri');
  });
});
