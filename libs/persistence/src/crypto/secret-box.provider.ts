import type { FactoryProvider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SecretBox } from './secret-box';

/** SecretBox from the SECRETS_KEY config value (needs a global ConfigModule). */
export const SECRET_BOX_PROVIDER: FactoryProvider<SecretBox> = {
  provide: SecretBox,
  inject: [ConfigService],
  useFactory: (config: ConfigService) => SecretBox.fromConfig(config.get<string>('SECRETS_KEY')),
};
