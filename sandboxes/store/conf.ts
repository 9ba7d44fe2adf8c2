// The `name = value` settings files of the store (store.conf, failover.conf), in the style of postgresql.conf:
// one setting a line, `#` starts a comment, a value may be quoted ('sync'). Errors name the file and line.
import type { ParsedConfig } from '../shared/parsed-config';
import { readSessionFile, strerror } from '../shared/session-folder';

/**
 * Parses `text`, handing each setting to `setting`, which checks it and returns what it sets (or throws). The first
 * error refuses the file, as PostgreSQL's reload refuses a postgresql.conf with one bad line.
 */
export function parseSettings<T extends object>(
  text: string,
  file: string,
  setting: (name: string, value: string, where: string) => Partial<T>,
): ParsedConfig<Partial<T>> {
  try {
    return { config: settingsOf(text, file, setting), errors: [], warnings: [] };
  } catch (error) {
    return { errors: [(error as Error).message], warnings: [] };
  }
}

/**
 * A settings file read and parsed, for a node's start and its reload; throws with the file's errors. A missing
 * `file` is no file (the defaults and the flags).
 */
export function loadSettings<T extends object>(
  file: string | undefined,
  setting: (name: string, value: string, where: string) => Partial<T>,
): Partial<T> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = readSessionFile(file);
  } catch (error) {
    throw new Error(`could not open configuration file "${file}": ${strerror(error)}`);
  }
  const { config, errors } = parseSettings(text, file, setting);
  if (!config) throw new Error(errors.join('\n'));
  return config;
}

function settingsOf<T extends object>(
  text: string,
  file: string,
  setting: (name: string, value: string, where: string) => Partial<T>,
): Partial<T> {
  const settings: Partial<T> = {};
  text.split('\n').forEach((raw, i) => {
    // Cut at '#' and '=' by position: a regular expression here can backtrack over a long line.
    const comment = raw.indexOf('#');
    const line = (comment < 0 ? raw : raw.slice(0, comment)).trim();
    if (!line) return;
    const where = `${file}:${i + 1}`;
    const equals = line.indexOf('=');
    const name = line.slice(0, Math.max(equals, 0)).trim();
    const value = line.slice(equals + 1).trim();
    if (equals < 0 || !/^[a-z_]+$/.test(name) || !value)
      throw new Error(`${where}: expected "name = value", got "${line}"`);
    Object.assign(settings, setting(name, value.replace(/^'(.*)'$/, '$1'), where));
  });
  return settings;
}

/**
 * `text` with `name = value` set: the setting's line replaced (keeping its comment), or added at the end. What
 * ALTER SYSTEM does to postgresql.auto.conf.
 */
export function withSetting(text: string, name: string, value: string): string {
  const line = new RegExp(`^(\\s*${name}\\s*=\\s*)([^#\\n]*?)(\\s*(#.*)?)$`, 'm');
  if (line.test(text))
    return text.replace(line, (_, head: string, _old: string, tail: string) => `${head}${value}${tail}`);
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${name} = ${value}\n`;
}
