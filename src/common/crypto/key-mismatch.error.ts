/** The key-encryption key does not open what the database holds sealed (KeyCheckService). */
export class KeyMismatchError extends Error {}
