// The Vite plugin around data-server.ts, for `vite` (dev) and `vite preview` alike. Only this
// file is imported by vite.config.ts: Vite bundles the config with everything it imports and
// warns about every extension-less import among them (src/data uses bundler-style imports), so
// the server is loaded at start-up through tsx, the TypeScript loader `npm run data` uses too.
import { resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import type { Connect, Plugin } from 'vite';

type DataServerModule = typeof import('./data-server');

export function cardinalData(): Plugin {
  let dataDir = '';
  let base = '/';
  const middleware = async (): Promise<Connect.NextHandleFunction> => {
    const { createDataServer } = (await tsImport(
      './data-server.ts',
      import.meta.url,
    )) as DataServerModule;
    const handle = createDataServer({ dataDir, base });
    return (req, res, next) => void handle(req, res, next);
  };
  return {
    name: 'cardinal-data',
    // 180 MB of shards appearing in public/data are no source: keep them out of the watcher.
    config: () => ({ server: { watch: { ignored: ['**/public/data/**'] } } }),
    configResolved(config) {
      base = config.base;
      dataDir = process.env.CARDINAL_DATA_DIR
        ? resolve(process.env.CARDINAL_DATA_DIR)
        : resolve(config.root, 'public/data');
    },
    async configureServer(server) {
      server.middlewares.use(await middleware());
    },
    async configurePreviewServer(server) {
      server.middlewares.use(await middleware());
    },
  };
}
