import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../../common/config/app-config.js';
import type { StirCa } from '@riptrunk/ript';
import { loadStirCa } from './stir-ca-loader.js';

/** The provider's STIR CA, loaded (or generated on first start) when the control plane starts. */
@Injectable()
export class StirCaService implements OnModuleInit {
  private material?: StirCa;

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.material = await loadStirCa({
      dataDir: this.config.dataDir,
      certFile: this.config.env.RIPTRUNK_STIR_CA_CERT,
      keyFile: this.config.env.RIPTRUNK_STIR_CA_KEY,
    });
  }

  get ca(): StirCa {
    if (!this.material) throw new Error('STIR CA not loaded yet');
    return this.material;
  }
}
