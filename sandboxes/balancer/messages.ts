// Where HAProxy's own messages go. HAProxy writes its warnings and alerts on stderr as
// `[WARNING]  (1234) : Server be_app/app1 is DOWN, ...` and sends the same text to its log. In a terminal the
// balancer does the same on stderr; under the supervisor each becomes a `log` event (the sandbox's log).
import { log } from '../shared/report';

type Level = 'NOTICE' | 'WARNING' | 'ALERT';
const LEVELS = { NOTICE: 'notice', WARNING: 'warning', ALERT: 'alert' } as const;

/** `[ALERT]    (pid) : ` — HAProxy pads the tag so the pid lines up. */
export const prefix = (level: Level) => `${`[${level}]`.padEnd(11)}(${process.pid}) : `;

/** `logText` when the log's wording differs from stderr's (`backend be_app has no server available!`). */
export function say(level: Level, text: string, logText = text): void {
  if (process.env.SANDBOX_EVENTS === '1') log(logText, LEVELS[level]);
  else process.stderr.write(prefix(level) + text + '\n');
}
