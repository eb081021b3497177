import { CreateCouponSchema1796340000000 } from './1796340000000-CreateCouponSchema';
import { CreateCampaigns1796340000001 } from './1796340000001-CreateCampaigns';
import { CreateCampaignShops1796340000002 } from './1796340000002-CreateCampaignShops';
import { CreateCouponExceptionResolutions1796400000300 } from './1796400000300-CreateCouponExceptionResolutions';
import { AddCampaignShopsPlatformQuantity1796400000600 } from './1796400000600-AddCampaignShopsPlatformQuantity';
import { CreateRedemptions1796500000100 } from './1796500000100-CreateRedemptions';
import { AddCampaignShopsUsage1796500000300 } from './1796500000300-AddCampaignShopsUsage';

/** Schema `coupon` (campaigns and their per-shop state, exception resolutions, redemptions and budget marks). Append new migrations here. */
export const COUPON_MIGRATIONS: Function[] = [CreateCouponSchema1796340000000, CreateCampaigns1796340000001, CreateCampaignShops1796340000002, CreateCouponExceptionResolutions1796400000300, AddCampaignShopsPlatformQuantity1796400000600, CreateRedemptions1796500000100, AddCampaignShopsUsage1796500000300];
