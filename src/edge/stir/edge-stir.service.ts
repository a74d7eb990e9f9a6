import { webcrypto } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import * as x509 from '@peculiar/x509';
import type { CryptoKey } from 'jose';
import { request } from 'undici';
import { AppConfig } from '../../common/config/app-config.js';
import {
  EC_P256,
  ES256_SIGNING,
  type PassportVerification,
  restrictX5u,
  signPassport,
  verifyPassport,
} from '@riptrunk/ript';
import { ControlPlaneClient } from '../config/control-plane.client.js';
import { EdgeRegistry } from '../config/edge-registry.js';

/** What `POST /internal/v1/stir/edge-certificate` answers. */
interface EdgeCertificate {
  id: string;
  spc: string;
  certificate: string;
  x5u: string;
  notBefore: string;
  notAfter: string;
}

interface Signer {
  key: CryptoKey;
  x5u: string;
  notAfter: number;
  /** When to get a new key and certificate: two thirds into the certificate's lifetime. */
  renewAt: number;
}

/** How long signShaken and verify wait for the first certificate and CA before giving up. */
const READY_WAIT_MS = 5000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;
/** The STIR CA is fetched again this often (an operator may replace it). */
const CA_REFRESH_MS = 3_600_000;
const CERT_CACHE_SIZE = 1000;
const CERT_CACHE_TTL_MS = 86_400_000; // the x5u URLs say `max-age=86400`
const MAX_PEM_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 3000;

/**
 * The edge as STIR authentication and verification service (profile §6). At start it generates an ES256 key (never
 * leaves memory), gets the provider's SHAKEN certificate for it from the control plane (`CN=SHAKEN <SPC>`, served at
 * a public x5u URL) and fetches the STIR CA; it renews both before the certificate is two thirds through its life,
 * with a fresh key. Verification fetches x5u certificates from the control plane's certificate repository only
 * (`<public URL>/ript/v1/certs/`, anything else is refused: SSRF), through the control plane client's TLS agent,
 * cached by URL.
 */
@Injectable()
export class EdgeStirService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EdgeStirService.name);
  private signer?: Signer;
  private ca?: { pem: string; fetchedAt: number };
  private readonly certificates = new Map<string, { pem: Promise<string>; at: number }>();
  private readonly repository: string;
  private readonly fetchX5u: (x5u: string) => Promise<string>;
  private timer?: NodeJS.Timeout;
  private retryMs = RETRY_MIN_MS;
  private refreshing?: Promise<number>;
  private stopped = false;
  private markReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly client: ControlPlaneClient,
    private readonly config: AppConfig,
    private readonly registry: EdgeRegistry,
  ) {
    this.repository = `${config.publicUrl}/ript/v1/certs/`;
    this.fetchX5u = restrictX5u(this.repository, (x5u) => this.cachedCertificate(x5u));
  }

  async onModuleInit(): Promise<void> {
    // One attempt before the edge serves; if the control plane is not up yet, keep trying in the background.
    await this.tick();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Whether the signing certificate and the STIR CA are loaded. */
  get ready(): boolean {
    return Boolean(this.signer && this.ca);
  }

  /** Resolves once ready (the first certificate and CA are loaded). */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  /** The x5u of the current signing certificate. */
  get x5u(): string | undefined {
    return this.signer?.x5u;
  }

  /** The trusted STIR CA, PEM. */
  get caPem(): string | undefined {
    return this.ca?.pem;
  }

  /** A SHAKEN PASSporT with attestation A for a call from `orig` (a number of the tenant) to `dest`, both E.164. */
  async signShaken(orig: string, dest: string, origid: string): Promise<string> {
    if (!this.signer) await this.waitReady();
    const signer = this.signer;
    if (!signer || Date.now() >= signer.notAfter) {
      throw new Error('The edge has no valid STIR signing certificate (control plane unreachable?)');
    }
    return signPassport({ orig, dest: [dest], attest: 'A', origid }, signer.key, signer.x5u);
  }

  /** Verifies a caller's PASSporT for a call to `expectedDest` (see verifyPassport for the checks and reasons). */
  async verify(passport: string, expectedDest: string): Promise<PassportVerification> {
    if (!this.ca) await this.waitReady();
    const ca = this.ca;
    if (!ca) return { ok: false, reason: 'verifier-unavailable', detail: 'The STIR CA is not loaded yet' };
    return verifyPassport(passport, { fetchCertificate: this.fetchX5u, caPem: ca.pem, expectedDest });
  }

  private async waitReady(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.readyPromise,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, READY_WAIT_MS))),
    ]).finally(() => clearTimeout(timer));
  }

  /** Loads what is missing or due, then schedules the next look: soon after a failure, else at the next renewal. */
  private async tick(): Promise<void> {
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    let next: number;
    try {
      next = (await this.refreshing) - Date.now();
      this.retryMs = RETRY_MIN_MS;
    } catch (err) {
      this.logger.warn(`STIR material not loaded, retrying in ${this.retryMs} ms: ${(err as Error).message}`);
      next = this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    }
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), Math.max(next, RETRY_MIN_MS));
    this.timer.unref();
  }

  /** Fetches the CA and gets a signing certificate when missing or due; returns when to look again (epoch ms). */
  private async refresh(): Promise<number> {
    const now = Date.now();
    let ca = this.ca;
    if (!ca || now >= ca.fetchedAt + CA_REFRESH_MS) {
      ca = { pem: await this.fetchPem(`${this.config.controlPlaneUrl}/ript/v1/stir/ca.pem`), fetchedAt: now };
      this.ca = ca;
    }
    let signer = this.signer;
    if (!signer || now >= signer.renewAt) {
      signer = await this.newSigner();
      this.signer = signer;
    }
    this.markReady();
    return Math.min(signer.renewAt, ca.fetchedAt + CA_REFRESH_MS);
  }

  private async newSigner(): Promise<Signer> {
    const keys = (await webcrypto.subtle.generateKey(EC_P256, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: [{ CN: ['riptrunk edge'] }], // the control plane names the certificate itself
      keys,
      signingAlgorithm: ES256_SIGNING,
    });
    const issued = await this.client.post<EdgeCertificate>('/internal/v1/stir/edge-certificate', {
      csr: csr.toString('pem'),
      edgeId: this.registry.id,
    });
    const notBefore = Date.parse(issued.notBefore);
    const notAfter = Date.parse(issued.notAfter);
    this.logger.log(`SHAKEN certificate ${issued.id} (SPC ${issued.spc}) until ${issued.notAfter}`);
    return {
      key: keys.privateKey as CryptoKey,
      x5u: issued.x5u,
      notAfter,
      renewAt: notBefore + ((notAfter - notBefore) * 2) / 3,
    };
  }

  /**
   * The PEM at an x5u URL of the repository (already checked by restrictX5u), fetched from the control plane's
   * internal URL (the same path under RIPTRUNK_CONTROL_PLANE_URL), cached by URL; failures are not cached.
   */
  private cachedCertificate(x5u: string): Promise<string> {
    const now = Date.now();
    const hit = this.certificates.get(x5u);
    if (hit && now - hit.at < CERT_CACHE_TTL_MS) return hit.pem;
    const pem = this.fetchPem(`${this.config.controlPlaneUrl}/ript/v1/certs/${x5u.slice(this.repository.length)}`);
    this.certificates.delete(x5u);
    this.certificates.set(x5u, { pem, at: now });
    if (this.certificates.size > CERT_CACHE_SIZE) {
      this.certificates.delete(this.certificates.keys().next().value as string);
    }
    pem.catch(() => {
      if (this.certificates.get(x5u)?.pem === pem) this.certificates.delete(x5u);
    });
    return pem;
  }

  private async fetchPem(url: string): Promise<string> {
    const res = await request(url, {
      dispatcher: this.client.agent,
      headersTimeout: FETCH_TIMEOUT_MS,
      bodyTimeout: FETCH_TIMEOUT_MS,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_PEM_BYTES) {
        res.body.destroy();
        throw new Error(`${url}: more than ${MAX_PEM_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    const pem = Buffer.concat(chunks).toString('utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${url} is not a PEM certificate`);
    return pem;
  }
}
