import { runCli } from './catalog-cli';

/** Where the CLI sends its calls when --url is not given (the README's command gives none). */
describe('catalog CLI default target', () => {
  async function firstUrl(argv: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; auth: string | undefined }> {
    let seen: { url: string; auth: string | undefined } | undefined;
    const fetchSpy = (async (url: string | URL | Request, init?: RequestInit) => {
      seen ??= { url: String(url), auth: (init?.headers as Record<string, string>)?.authorization };
      // a 400 ends the command right after the first call
      return new Response(JSON.stringify({ message: ['stop here'] }), { status: 400 });
    }) as typeof fetch;
    await runCli(argv, { out: () => undefined, err: () => undefined, tty: false, fetch: fetchSpy, sleep: async () => undefined }, env);
    if (!seen) throw new Error('no call made');
    return seen;
  }

  it('sends an API key to the gateway (port 3000), never to catalog-sync', async () => {
    expect(await firstUrl(['publish', '--all', '--api-key', 'osk_k'], {})).toEqual({ url: 'http://127.0.0.1:3000/products/publish', auth: 'Bearer osk_k' });
    expect((await firstUrl(['publish', '--all'], { OMNISYNC_API_KEY: 'osk_e', OMNISYNC_URL: 'http://gw.example:8080' })).url).toBe('http://gw.example:8080/products/publish');
  });

  it('signs --merchant calls for catalog-sync itself (port 3002, or CATALOG_URL); --url wins over both', async () => {
    const env = { INTERNAL_SERVICE_SECRET: 'x'.repeat(32) };
    expect((await firstUrl(['publish', '--all', '--merchant', '5b1e0000-0000-4000-8000-000000000001'], env)).url).toBe('http://127.0.0.1:3002/products/publish');
    expect((await firstUrl(['publish', '--all', '--api-key', 'k', '--url', 'http://127.0.0.1:9/'], {})).url).toBe('http://127.0.0.1:9/products/publish');
  });
});
