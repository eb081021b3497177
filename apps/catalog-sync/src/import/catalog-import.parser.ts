import { CsvSyntaxError, parseCsv } from './csv';

/**
 * Catalog files: one row per SKU; rows sharing a product_key form one product.
 *
 * CSV header (names case-insensitive; snake_case or camelCase):
 *   product_key, title, description, category, images, attributes, erp_sku_code, barcode, spec_values,
 *   list_price_fen, sale_price_fen, weight_grams
 *   - images: URLs separated by '|'
 *   - attributes, spec_values: a JSON object ('{"颜色":"红"}') or 'key=value;key=value'
 *   - prices in integer fen; weight in grams
 *   - product fields (title, description, category, images, attributes) may be left empty on the
 *     product's later rows: the first non-empty value among ALL its rows (valid or not) is used, and
 *     every imported row carries the resolved values
 * JSON: an array of such rows (same names), or an array of products each with a `skus` array.
 *
 * `row` in errors is the 1-based SKU row: the CSV record after the header (the line is given too), or
 * the position in the JSON file counting SKU rows in order.
 */
export interface ImportRow {
  row: number;
  line?: number;
  productKey: string;
  title: string;
  description: string;
  category: string;
  images: string[] | null;
  attributes: Record<string, string> | null;
  erpSkuCode: string;
  barcode: string | null;
  specValues: Record<string, string>;
  listPriceFen: number;
  salePriceFen: number;
  weightGrams: number | null;
}

export interface ImportError {
  row: number;
  line?: number;
  field: string;
  message: string;
}

export interface ParsedImport {
  rows: ImportRow[];
  errors: ImportError[];
  /** rows read (valid + invalid) */
  total: number;
}

/** the file itself is unusable (syntax, missing columns): 400, nothing imported */
export class ImportFileError extends Error {}

const COLUMNS = [
  'product_key',
  'title',
  'description',
  'category',
  'images',
  'attributes',
  'erp_sku_code',
  'barcode',
  'spec_values',
  'list_price_fen',
  'sale_price_fen',
  'weight_grams',
] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED_COLUMNS: Column[] = ['product_key', 'erp_sku_code', 'list_price_fen', 'sale_price_fen'];
const MAX_PRICE_FEN = 2_000_000_000;

function snake(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

type Raw = Partial<Record<Column, unknown>>;

export function parseCatalogCsv(text: string): ParsedImport {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new ImportFileError(`CSV: ${e.message}`);
    throw e;
  }
  if (records.length === 0) throw new ImportFileError('CSV: the file is empty');
  const header = records[0].fields.map(snake);
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (unknown.length) throw new ImportFileError(`CSV: unknown column(s) ${unknown.join(', ')}`);
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) throw new ImportFileError(`CSV: missing column(s) ${missing.join(', ')}`);
  const raws = records.slice(1).map((r, i) => {
    const raw: Raw = {};
    header.forEach((h, j) => (raw[h as Column] = r.fields[j] ?? ''));
    return { row: i + 1, line: r.line, raw, extraFields: r.fields.length > header.length };
  });
  return validateRows(raws);
}

export function parseCatalogJson(input: string | unknown): ParsedImport {
  let data: unknown = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input);
    } catch (e) {
      throw new ImportFileError(`JSON: ${(e as Error).message}`);
    }
  }
  if (!Array.isArray(data)) throw new ImportFileError('JSON: expected an array of rows or of products');
  const raws: { row: number; raw: Raw; extraFields: boolean }[] = [];
  const toRaw = (o: Record<string, unknown>): Raw => {
    const raw: Raw = {};
    for (const [k, v] of Object.entries(o)) raw[snake(k) as Column] = v;
    return raw;
  };
  for (const item of data) {
    if (item && typeof item === 'object' && !Array.isArray(item) && Array.isArray((item as { skus?: unknown }).skus)) {
      const { skus, ...product } = item as { skus: unknown[] } & Record<string, unknown>;
      for (const sku of skus) {
        const skuObj = sku && typeof sku === 'object' && !Array.isArray(sku) ? (sku as Record<string, unknown>) : {};
        raws.push({ row: raws.length + 1, raw: { ...toRaw(product), ...toRaw(skuObj) }, extraFields: false });
      }
    } else {
      raws.push({ row: raws.length + 1, raw: item && typeof item === 'object' && !Array.isArray(item) ? toRaw(item as Record<string, unknown>) : {}, extraFields: false });
    }
  }
  return validateRows(raws);
}

function validateRows(raws: { row: number; line?: number; raw: Raw; extraFields: boolean }[]): ParsedImport {
  const errors: ImportError[] = [];
  const candidates: ImportRow[] = [];
  const firstRowOfCode = new Map<string, number>();
  /** product fields from ALL rows of a product key (a bad SKU cell on the first row must not cost the product its title) */
  const info = new Map<string, { title: string; description: string; category: string; images: string[] | null; attributes: Record<string, string> | null }>();
  const noteInfo = (key: string, f: { title: string; description: string; category: string; images: string[] | null; attributes: Record<string, string> | null }) => {
    const cur = info.get(key) ?? { title: '', description: '', category: '', images: null, attributes: null };
    info.set(key, {
      title: cur.title || f.title,
      description: cur.description || f.description,
      category: cur.category || f.category,
      images: cur.images ?? f.images,
      attributes: cur.attributes ?? f.attributes,
    });
  };
  for (const { row, line, raw, extraFields } of raws) {
    const rowErrors: ImportError[] = [];
    const err = (field: string, message: string) => rowErrors.push({ row, ...(line !== undefined ? { line } : {}), field, message });
    const unknownKeys = Object.keys(raw).filter((k) => !(COLUMNS as readonly string[]).includes(k));
    for (const k of unknownKeys) err(k, 'unknown field');
    if (extraFields) err('*', 'more fields than header columns');
    const productKey = str(raw.product_key);
    if (!productKey) err('product_key', 'is required');
    else if (productKey.length > 64) err('product_key', 'is longer than 64 characters');
    const erpSkuCode = str(raw.erp_sku_code);
    if (!erpSkuCode) err('erp_sku_code', 'is required');
    else if (erpSkuCode.length > 64) err('erp_sku_code', 'is longer than 64 characters');
    const listPriceFen = fen(raw.list_price_fen, 'list_price_fen', err);
    const salePriceFen = fen(raw.sale_price_fen, 'sale_price_fen', err);
    if (listPriceFen !== null && salePriceFen !== null && salePriceFen > listPriceFen) err('sale_price_fen', 'must not exceed list_price_fen');
    let weightGrams: number | null = null;
    const w = str(raw.weight_grams);
    if (w) {
      if (!/^\d+$/.test(w) || Number(w) > MAX_PRICE_FEN) err('weight_grams', 'must be a non-negative integer (grams)');
      else weightGrams = Number(w);
    }
    const specValues = record(raw.spec_values, 'spec_values', err) ?? {};
    const attributes = record(raw.attributes, 'attributes', err);
    const title = str(raw.title);
    if (title.length > 200) err('title', 'is longer than 200 characters');
    const category = str(raw.category);
    const imagesRaw = raw.images;
    let images: string[] | null = null;
    if (Array.isArray(imagesRaw)) images = imagesRaw.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
    else if (str(imagesRaw)) images = str(imagesRaw).split('|').map((x) => x.trim()).filter(Boolean);
    if (productKey && title.length <= 200) {
      const attrsOk = !rowErrors.some((e) => e.field === 'attributes');
      noteInfo(productKey, { title, description: str(raw.description), category, images: images && images.length ? images : null, attributes: attrsOk ? attributes : null });
    }
    if (erpSkuCode && rowErrors.length === 0) {
      const prev = firstRowOfCode.get(erpSkuCode);
      if (prev !== undefined) err('erp_sku_code', `duplicate of row ${prev}`);
      else firstRowOfCode.set(erpSkuCode, row);
    }
    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      continue;
    }
    candidates.push({
      row,
      ...(line !== undefined ? { line } : {}),
      productKey,
      title,
      description: str(raw.description),
      category,
      images: images && images.length ? images : null,
      attributes,
      erpSkuCode,
      barcode: str(raw.barcode) || null,
      specValues,
      listPriceFen: listPriceFen!,
      salePriceFen: salePriceFen!,
      weightGrams,
    });
  }
  // product fields: the first non-empty value among the product's rows; a product without title/category fails all its rows
  const byKey = new Map<string, ImportRow[]>();
  for (const r of candidates) byKey.set(r.productKey, [...(byKey.get(r.productKey) ?? []), r]);
  const rows: ImportRow[] = [];
  for (const [key, group] of byKey) {
    const p = info.get(key)!;
    const { title, category } = p;
    if (!title || !category) {
      for (const r of group) {
        if (!title) errors.push({ row: r.row, ...(r.line !== undefined ? { line: r.line } : {}), field: 'title', message: `product ${r.productKey} has no title on any row` });
        if (!category) errors.push({ row: r.row, ...(r.line !== undefined ? { line: r.line } : {}), field: 'category', message: `product ${r.productKey} has no category on any row` });
      }
      continue;
    }
    rows.push(...group.map((r) => ({ ...r, title, category, description: p.description, images: p.images, attributes: p.attributes })));
  }
  rows.sort((a, b) => a.row - b.row);
  errors.sort((a, b) => a.row - b.row);
  return { rows, errors, total: raws.length };
}

function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' ? v.trim() : '';
}

function fen(v: unknown, field: string, err: (f: string, m: string) => void): number | null {
  const s = str(v);
  if (!s) {
    err(field, 'is required');
    return null;
  }
  if (!/^\d+$/.test(s)) {
    err(field, `must be a non-negative integer in fen, got "${s.slice(0, 20)}"`);
    return null;
  }
  const n = Number(s);
  if (n > MAX_PRICE_FEN) {
    err(field, `must be at most ${MAX_PRICE_FEN}`);
    return null;
  }
  return n;
}

function record(v: unknown, field: string, err: (f: string, m: string) => void): Record<string, string> | null {
  if (v && typeof v === 'object' && !Array.isArray(v)) return stringRecord(v as Record<string, unknown>, field, err);
  const s = str(v);
  if (!s) return null;
  if (s.startsWith('{')) {
    try {
      const o = JSON.parse(s) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o)) return stringRecord(o as Record<string, unknown>, field, err);
    } catch {
      // fall through to the error below
    }
    err(field, 'is not a valid JSON object');
    return null;
  }
  const out: Record<string, string> = {};
  for (const part of s.split(';')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      err(field, `"${part.trim().slice(0, 40)}" is not key=value`);
      return null;
    }
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function stringRecord(o: Record<string, unknown>, field: string, err: (f: string, m: string) => void): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'string' && typeof v !== 'number') {
      err(field, `value of ${k} must be a string`);
      return null;
    }
    out[k] = String(v);
  }
  return out;
}
