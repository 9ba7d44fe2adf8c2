// Prettier, with the options the code was already written in: 120 columns (the width its comments wrap at), single
// quotes, semicolons, trailing commas, two spaces. `npm run format` writes, `npm run format:check` (part of `npm test`)
// lists what is not formatted.
/** @type {import('prettier').Config} */
export default {
  printWidth: 120,
  singleQuote: true,
  plugins: ['prettier-plugin-astro'],
  overrides: [
    { files: '*.astro', options: { parser: 'astro' } },
    {
      // The code blocks in lessons and docs are real configuration files shown as the tools write them (haproxy.cfg,
      // prometheus.yml with its aligned comments, the bridge's JSON): Prettier formats the prose and the JSX, not them.
      files: ['*.md', '*.mdx'],
      options: { embeddedLanguageFormatting: 'off' },
    },
  ],
};
