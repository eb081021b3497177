import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OauthState } from '@app/persistence';
import { ShopsModule } from '../shops.module';
import { ShopOauthController } from './shop-oauth.controller';
import { SHOP_OAUTH_OPTIONS, type ShopOauthOptions } from './shop-oauth.options';
import { ShopOauthService } from './shop-oauth.service';

/** POST /shops/authorize and GET /shops/oauth/callback/:platform. Needs PlatformAdapterLookup (global). */
@Module({})
export class ShopOauthModule {
  static register(opts: ShopOauthOptions): DynamicModule {
    return {
      module: ShopOauthModule,
      imports: [TypeOrmModule.forFeature([OauthState]), ShopsModule],
      controllers: [ShopOauthController],
      providers: [ShopOauthService, { provide: SHOP_OAUTH_OPTIONS, useValue: opts }],
    };
  }
}
