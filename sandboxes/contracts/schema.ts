// zod for the sandbox programs, as zod/mini: the same schemas, with checks as functions (`z.optional(x)`,
// `.check(z.minLength(1))`) so that a bundle holds only what it uses. The supervisor's bundle loads ~30 KB of zod
// instead of ~750 KB with the classic API, which took a fifth of a second off every sandbox's start.
// Import it as `import * as z from '../contracts/schema'` (a namespace import keeps what is unused out of the bundle).
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini has no messages by default ("Invalid input"): the English ones say what was expected.
config(en());

export * from 'zod/mini';
