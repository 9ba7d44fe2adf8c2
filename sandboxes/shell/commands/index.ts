// The shell's commands: one module each, listed here.
//
// To add a command (e.g. `db`, `scan`, `sniff`, `metrics`, `ufw`): write commands/<name>.ts exporting a Command
// (see ../command.ts: name, summary, usage, run, and optionally complete for Tab), import it below and add it to
// the list. That is the whole change: help, Tab completion of its name, "did you mean" for typos, pipes and
// Ctrl-C all come from the shell. Talk to the supervisor with io.session (see ../control-file.ts).
import type { Command } from '../command';
import { cat } from './cat';
import { clear } from './clear';
import { curl } from './curl';
import { db } from './db';
import { dig } from './dig';
import { echo } from './echo';
import { exit } from './exit';
import { edit } from './edit';
import { help } from './help';
import { history } from './history';
import { infra } from './infra';
import { fg, jobs } from './jobs';
import { load } from './load';
import { metrics } from './metrics';
import { reload } from './reload';
import { scan } from './scan';
import { sniff } from './sniff';
import { socat } from './socat';
import { ufw } from './ufw';

export const commands: readonly Command[] = [
  help,
  curl,
  dig,
  infra,
  load,
  db,
  cat,
  edit,
  reload,
  socat,
  ufw,
  scan,
  sniff,
  metrics,
  clear,
  history,
  jobs,
  fg,
  echo,
  exit,
];
