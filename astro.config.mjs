// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { sandboxes } from './src/integrations/sandboxes.ts';
import { ISOLATION_HEADERS } from './src/runtime/local/vite-plugin.ts';

export default defineConfig({
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
        Head: './src/components/Head.astro',
        MarkdownContent: './src/components/MarkdownContent.astro',
        Search: './src/components/Search.astro',
      },
      // Lessons live in content/lessons, so the folder to list is named from the project root.
      sidebar: [{ autogenerate: { directory: 'content/lessons' } }],
      lastUpdated: false,
      pagination: true,
    }),
    sandboxes(),
  ],
});
