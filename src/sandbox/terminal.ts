// The sandbox's terminal: xterm.js fitted to its box, refitted whenever the box changes size. Its font size is the
// box's data-font-size (presenter mode and the + and − keys set it: src/sandbox/view/instructor.ts); without one it
// is 14 px, 13 px in a narrow box (the page's column on a laptop, beside the exercises) and 12 px on a phone, so
// each gets well over 40 columns.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';

const PHONE_PX = 480;
const NARROW_BOX_PX = 420;

export function openTerminal(box: HTMLElement, onResize: (size: { cols: number; rows: number }) => void): Terminal {
  const usualSize = () => (innerWidth < PHONE_PX ? 12 : box.clientWidth < NARROW_BOX_PX ? 13 : 14);
  const terminal = new Terminal({
    convertEol: false, // the programs send \r\n themselves, as they would to a real terminal in raw mode
    cursorBlink: true,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: Number(box.dataset.fontSize) || usualSize(),
    scrollback: 5000,
    screenReaderMode: false,
  });
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.open(box);
  terminal.onResize(onResize);
  const refit = () => {
    const size = Number(box.dataset.fontSize) || usualSize();
    if (size !== terminal.options.fontSize) terminal.options.fontSize = size;
    fit.fit();
    // Said on the box, for whoever checks the terminal's size (the layout's browser tests).
    Object.assign(box.dataset, { cols: String(terminal.cols), rows: String(terminal.rows) });
  };
  refit();
  new ResizeObserver(refit).observe(box);
  new MutationObserver(refit).observe(box, { attributeFilter: ['data-font-size'] });
  return terminal;
}
