import { CreateCatalogExceptionResolutions1796201000200 } from './1796201000200-CreateExceptionResolutions';
import { PlatformOverridesReferencePlatforms1796201000000 } from './1796201000000-PlatformOverridesReferencePlatforms';
import { CreateCatalogSchema1796000000000 } from './1796000000000-CreateCatalogSchema';
import { CreateProductsAndSkus1796000000001 } from './1796000000001-CreateProductsAndSkus';
import { CreatePlatformOverridesAndMappings1796000000002 } from './1796000000002-CreatePlatformOverridesAndMappings';
import { AddProductsExternalKey1796000000100 } from './1796000000100-AddProductsExternalKey';
import { AddListingsPublishRun1796000000101 } from './1796000000101-AddListingsPublishRun';
import { CreateBannedWordsCustom1796000000102 } from './1796000000102-CreateBannedWordsCustom';

/** Catalog tables (products, SKUs, overrides, listings, mappings). Append new migrations here. */
export const CATALOG_MIGRATIONS: Function[] = [
  CreateCatalogSchema1796000000000,
  CreateProductsAndSkus1796000000001,
  CreatePlatformOverridesAndMappings1796000000002,
  AddProductsExternalKey1796000000100,
  AddListingsPublishRun1796000000101,
  CreateBannedWordsCustom1796000000102,
  PlatformOverridesReferencePlatforms1796201000000,
  CreateCatalogExceptionResolutions1796201000200,
];
