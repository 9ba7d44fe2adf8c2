// The local bridge's wire protocol: JSON messages over one WebSocket per browser session.
// The page asks (spawn, input, resize, kill, readFile, writeFile, mount); the bridge answers and streams output.
// Requests are validated with zod where they cross into the server (STYLE: schemas where input crosses a boundary).
import { z } from 'zod';
import { FOLDER_NAME } from '../types.ts';
import { MAX_TEXT } from './limits.ts';

const id = z.number().int().nonnegative();
const text = z.string().max(MAX_TEXT, `at most ${MAX_TEXT} characters at a time`);
const size = z.object({ cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) });

export interface FileTreeMessage {
  [name: string]: { file: { contents: string } } | { directory: FileTreeMessage };
}
const fileTree: z.ZodType<FileTreeMessage> = z.lazy(() =>
  z.record(z.string(), z.union([z.object({ file: z.object({ contents: text }) }), z.object({ directory: fileTree })])),
);

export const request = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('spawn'),
    id,
    program: z.string(),
    args: z.array(z.string().max(10_000)).max(100),
    env: z.record(z.string(), z.string().max(10_000)).optional(),
    terminal: size.optional(),
    /** The sandbox's own folder inside the session folder (SpawnOptions.cwd). */
    cwd: z.string().regex(FOLDER_NAME, 'a folder is one plain name such as sandbox-2, never a path').optional(),
  }),
  z.object({ type: z.literal('input'), id, data: text }),
  z.object({ type: z.literal('resize'), id, ...size.shape }),
  z.object({ type: z.literal('kill'), id }),
  z.object({ type: z.literal('readFile'), id, path: z.string() }),
  z.object({ type: z.literal('writeFile'), id, path: z.string(), contents: text }),
  z.object({ type: z.literal('mount'), id, tree: fileTree }),
]);
export type Request = z.infer<typeof request>;
/** A request before the sender gives it its `id` (Omit<> distributed over the union). */
export type Ask = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** What the bridge sends. `id` ties a reply to its request; for processes it is the process's id from `spawn`. */
export type Reply =
  | { type: 'ready'; programs: string[] }
  /** `scenario`: the supervisor started ahead that the page took already runs this scenario (Session.runAhead). */
  | { type: 'spawned'; id: number; pid: number; scenario?: string }
  | { type: 'output'; id: number; data: string }
  | { type: 'exit'; id: number; code: number }
  | { type: 'done'; id: number; contents?: string }
  | { type: 'error'; id: number | null; message: string };
