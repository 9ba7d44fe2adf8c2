// The sandbox's terminal: xterm.js fitted to its box, refitted whenever the box changes size.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';

export function openTerminal(box: HTMLElement, onResize: (size: { cols: number; rows: number }) => void): Terminal {
  const terminal = new Terminal({
    convertEol: false, // the programs send \r\n themselves, as they would to a real terminal in raw mode
    cursorBlink: true,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: 14,
    scrollback: 5000,
    screenReaderMode: false,
  });
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.open(box);
  fit.fit();
  terminal.onResize(onResize);
  new ResizeObserver(() => fit.fit()).observe(box);
  return terminal;
}
