import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Redirect, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators';

/**
 * The ops page (issue 10 item 4, docs/adr/0009-ops-page.md): static files only — no data, no buyer data — served
 * without a key; the page signs in with an API key (or the operator token) kept in sessionStorage and calls the
 * gateway's JSON APIs with it. A strict Content-Security-Policy (no inline script or style, same-origin fetches
 * only) and no framing.
 */
export const OPS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  type: string;
  file: string;
}

const PUBLIC_DIR = join(__dirname, 'public');

/** every file the page may load, by name (nothing else under /ops/assets/ exists: no path is ever joined from the URL) */
const ASSETS: Record<string, Asset> = {
  'ops.js': { type: 'text/javascript; charset=utf-8', file: join(PUBLIC_DIR, 'ops.js') },
  'ops.css': { type: 'text/css; charset=utf-8', file: join(PUBLIC_DIR, 'ops.css') },
  // uPlot (npm `uplot`), served from node_modules as published
  'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', file: require.resolve('uplot/dist/uPlot.iife.min.js') },
  'uPlot.min.css': { type: 'text/css; charset=utf-8', file: require.resolve('uplot/dist/uPlot.min.css') },
};

interface HeaderResponse {
  setHeader(name: string, value: string): void;
  send(body: Buffer | string): void;
}

function securityHeaders(res: HeaderResponse, type: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Security-Policy', OPS_PAGE_CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-cache');
}

@ApiTags('ops page')
@Controller()
@Public()
export class OpsPageController {
  /** read once: small files, served from memory */
  private readonly cache = new Map<string, Buffer>();

  @Get()
  @Redirect('/ops', 302)
  @ApiOperation({ summary: 'Redirects to the ops page (/ops)' })
  root(): void {}

  @Get('ops')
  @ApiOperation({ summary: 'The ops page (static HTML; sign in with an API key of the ops or admin role, or the operator token)' })
  page(@Res() res: HeaderResponse): void {
    securityHeaders(res, 'text/html; charset=utf-8');
    res.send(this.read(join(PUBLIC_DIR, 'index.html')));
  }

  @Get('ops/assets/:file')
  @ApiOperation({ summary: "The ops page's scripts and styles (its own and uPlot's), by name" })
  @Header('X-Robots-Tag', 'noindex')
  asset(@Param('file') file: string, @Res() res: HeaderResponse): void {
    const asset = Object.prototype.hasOwnProperty.call(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) throw new NotFoundException(`no asset ${file}`);
    securityHeaders(res, asset.type);
    res.send(this.read(asset.file));
  }

  private read(path: string): Buffer {
    let b = this.cache.get(path);
    if (!b) {
      b = readFileSync(path);
      this.cache.set(path, b);
    }
    return b;
  }
}

