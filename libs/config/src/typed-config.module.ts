import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { ClassConstructor } from 'class-transformer';

/**
 * Global config for an app from an ALREADY validated env instance (see loadEnv): the env class itself is
 * the injection token (`constructor(private readonly env: OrderSyncEnv)`), and ConfigService serves the
 * same values (never process.env), so libraries that read ConfigService see what was validated.
 */
@Module({})
export class TypedConfigModule {
  static forRoot<E extends object>(EnvClass: ClassConstructor<E>, env: E): DynamicModule {
    return {
      module: TypedConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => ({ ...env })] })],
      providers: [{ provide: EnvClass, useValue: env }],
      exports: [EnvClass],
    };
  }
}
