// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { scenarios } from './sandboxes/scenarios/index.ts';
import { LESSONS_DIR, lessonCheck } from './src/integrations/lessons.ts';
import { sandboxes } from './src/integrations/sandboxes.ts';
import { ISOLATION_HEADERS } from './src/runtime/local/vite-plugin.ts';

/**
 * The deployed course's public address (`SITE=https://your.site/ npm run build`): it gives each page a canonical link
 * and the site a sitemap (sitemap-index.xml). A local build (`npm start`) has no public address, so no sitemap:
 * Starlight adds @astrojs/sitemap unless an integration of that name is already there, and the sitemap integration
 * without `site` only warns that it skips itself. The empty integration of that name below says "no sitemap" instead.
 */
const site = process.env.SITE || undefined;
const noSitemapWithoutSite = { name: '@astrojs/sitemap', hooks: {} };

/**
 * Mermaid's largest parts are loaded on demand, and only for diagrams the course does not draw (src/components/
 * diagrams.ts uses the dagre layout and flowcharts): the elk layout (elkjs, 1.5 MB in one generated module that
 * cannot be split) and the Langium grammar of @mermaid-js/parser (0.63 MB). A limit above them keeps the build quiet;
 * tests/site/build-log.test.ts checks instead that no page loads a chunk over Vite's default 500 kB up front.
 */
const LAZY_MERMAID_CHUNK_KB = 1600;

export default defineConfig({
  site,
  // No prefetching. With <ClientRouter /> (src/components/ClientNavigation.astro) Astro turns on prefetchAll, whose
  // script watches every change to the page for new links (a MutationObserver on the whole body, and a scan of every
  // link at each change): on a lesson page the sandbox's views and terminal change the page many times a second,
  // which cost over a second of scripting in long tasks (Lighthouse, the overview lesson). A lesson is a small static
  // page; the router fetches it on the click.
  prefetch: false,
  vite: {
    build: {
      chunkSizeWarningLimit: LAZY_MERMAID_CHUNK_KB,
      rolldownOptions: {
        onLog(level, log, handler) {
          // Astro marks each lesson's asset module with "use astro:head-inject" (astro/dist/content/vite-plugin-
          // content-assets.js) and reads the mark before bundling; Rolldown warns that bundling may drop it, for every
          // lesson. A known Astro issue (withastro/astro#18087); only that directive of Astro's is let through quietly.
          if (log.code === 'MODULE_LEVEL_DIRECTIVE' && log.message.includes('"use astro:head-inject"')) return;
          handler(level, log);
        },
      },
    },
  },
  // WebContainers need a cross-origin isolated page; `npm start` (scripts/start.mjs) sends the same headers.
  server: { host: '127.0.0.1', port: 4321, headers: ISOLATION_HEADERS },
  integrations: [
    starlight({
      title: 'Two servers, no single point of failure',
      description:
        'An interactive course on distributed web infrastructure: load balancing, failover, replication, firewalls, TLS and monitoring, with live sandboxes.',
      favicon: '/favicon.svg',
      customCss: ['./src/styles/course.css'],
      components: {
        Footer: './src/components/Footer.astro',
        Head: './src/components/Head.astro',
        MarkdownContent: './src/components/MarkdownContent.astro',
        Search: './src/components/Search.astro',
      },
      // Lessons live in content/lessons, so the folder to list is named from the project root.
      sidebar: [{ autogenerate: { directory: LESSONS_DIR } }],
      lastUpdated: false,
      pagination: true,
      // src/pages/404.astro instead: Starlight's own looks for a `404` lesson and warns in every build without one.
      disable404Route: true,
    }),
    lessonCheck(Object.keys(scenarios)),
    sandboxes(),
    ...(site ? [] : [noSitemapWithoutSite]),
  ],
});
