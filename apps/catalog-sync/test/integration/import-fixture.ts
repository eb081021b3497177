/**
 * A catalog CSV of `products` x `skusPerProduct` SKU rows; `bad` maps 1-based row numbers to the kind of
 * damage done to that row. Used by the import parser spec and the import integration test.
 */
export type Damage = 'price_not_integer' | 'missing_code' | 'bad_spec' | 'sale_above_list';

export function catalogCsv(opts: { products: number; skusPerProduct: number; bad?: Record<number, Damage>; keyPrefix?: string }): string {
  const lines = ['product_key,title,description,category,images,attributes,erp_sku_code,barcode,spec_values,list_price_fen,sale_price_fen,weight_grams'];
  const prefix = opts.keyPrefix ?? 'SPU';
  let row = 0;
  for (let p = 1; p <= opts.products; p++) {
    for (let s = 1; s <= opts.skusPerProduct; s++) {
      row++;
      const damage = opts.bad?.[row];
      const first = s === 1;
      const cells = [
        `${prefix}-${p}`,
        first ? `"纯棉T恤, 款${p}"` : '',
        first ? `"舒适 ""透气"" 面料"` : '',
        first ? '1001' : '',
        first ? 'https://img.example/1.jpg|https://img.example/2.jpg' : '',
        first ? '"{""品牌"":""Acme""}"' : '',
        damage === 'missing_code' ? '' : `${prefix}-${p}-${s}`,
        `69${String(row).padStart(11, '0')}`,
        damage === 'bad_spec' ? 'colour' : `颜色=色${s};尺码=M`,
        '12900',
        damage === 'price_not_integer' ? '99.5' : damage === 'sale_above_list' ? '13900' : '9900',
        '250',
      ];
      lines.push(cells.join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
