// The `webcontainer` runtime: the sandbox programs run in the browser, in StackBlitz's WebContainer (a Node.js
// runtime in WebAssembly), exactly through the documented @webcontainer/api. Booted once per page (only one
// instance may exist), on a cross-origin isolated page. Its files: bin/ holds the bundles fetched from this site
// (/sandbox/bin/), session/ is the working directory of every process, as the local bridge's session folder is.
//
// WebContainer lives in a hidden iframe that boot() adds to <body>. Client-side navigation replaces <body>, so the
// iframe is carried into each next page (src/runtime/persist.ts), where the browser can move it without reloading it.
import type { WebContainer } from '@webcontainer/api';
import type { TransitionBeforePreparationEvent } from 'astro:transitions/client';
import { movesKeepState, persistAcrossNavigation } from './persist';
import { RuntimeUnavailable, type BootStep, type FileTree, type Runtime, type SandboxProcess, type SpawnOptions } from './types';

const BUNDLES_URL = '/sandbox/bin/';
const SESSION = 'session';

let booting: Promise<WebContainer> | undefined;

function unavailable(message: string, advice: string): RuntimeUnavailable {
  return new RuntimeUnavailable('webcontainer', message, advice);
}

/** What stops a WebContainer on this page before even trying, found by feature (never by user agent). */
export function preflight(): RuntimeUnavailable | null {
  if (typeof WebAssembly === 'undefined' || !('serviceWorker' in navigator) || typeof Worker === 'undefined') {
    return unavailable(
      'This browser cannot run WebContainers (it lacks WebAssembly, workers or service workers).',
      'Use a current Chrome, Edge, Firefox or Safari on a desktop computer, or run the course locally with `npm start`.',
    );
  }
  if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
    return unavailable(
      'This page is not cross-origin isolated, which WebContainers require.',
      'The server must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp with every page (see the README, "Deploy"). `npm start` does.',
    );
  }
  if (!navigator.cookieEnabled || !storageWorks()) {
    return unavailable(
      'This browser blocks cookies or site storage for this page, which WebContainers need.',
      'Allow cookies and site data for this site (Brave: turn Shields off for it; Firefox: use standard tracking protection or add an exception; Safari: allow cross-site tracking for it), then reload.',
    );
  }
  return null;
}

function storageWorks(): boolean {
  try {
    localStorage.setItem('sandbox-storage-check', '1');
    localStorage.removeItem('sandbox-storage-check');
    return true;
  } catch {
    return false;
  }
}

function afterTimeout(seconds: number): Promise<never> {
  return new Promise((_, reject) =>
    setTimeout(
      () =>
        reject(
          unavailable(
            `WebContainer did not start within ${seconds} seconds.`,
            navigator.onLine
              ? 'Its runtime is downloaded from stackblitz.com: check that your network, firewall or ad blocker lets it through and that third-party cookies are allowed for this site, then reload the page (a stuck start cannot be retried without a reload).'
              : 'You seem to be offline, and the WebContainer runtime is downloaded from stackblitz.com. Connect and reload, or run the course locally with `npm start`, which works offline.',
          ),
        ),
      seconds * 1000,
    ),
  );
}

async function bundles(): Promise<FileTree> {
  const programs = (await (await fetch(`${BUNDLES_URL}programs.json`)).json()) as string[];
  const files: FileTree = {};
  for (const file of ['package.json', ...programs.map((name) => `${name}.js`)]) {
    const answer = await fetch(BUNDLES_URL + file);
    if (!answer.ok) throw new Error(`could not fetch ${BUNDLES_URL + file}: HTTP ${answer.status}`);
    files[file] = { file: { contents: await answer.text() } };
  }
  return files;
}

/** Boots, and keeps the iframe that booting adds to the page alive across client-side navigation. */
function keepingItsFrame(boot: () => Promise<WebContainer>): Promise<WebContainer> {
  const frames = new MutationObserver((changes) => {
    for (const frame of changes.flatMap((change) => [...change.addedNodes]).filter((node) => node instanceof HTMLIFrameElement)) {
      persistAcrossNavigation(frame, 'webcontainer');
      frames.disconnect();
    }
  });
  frames.observe(document.body, { childList: true });
  const booted = boot();
  void booted.then(() => {
    if (movesKeepState) return;
    // This browser would reload the moved iframe, which ends the WebContainer: leave the page the ordinary way, and
    // the next page boots its own (one boot per page, as before client-side navigation).
    document.addEventListener('astro:before-preparation', (e) => (e as TransitionBeforePreparationEvent).preventDefault());
  }, () => {}); // a failed boot is reported by bootWebContainer
  return booted;
}

export async function bootWebContainer(step: BootStep, { timeoutSeconds }: { timeoutSeconds: number }): Promise<Runtime> {
  step('Checking that this browser can run WebContainers');
  const problem = preflight();
  if (problem) throw problem;
  step('Loading the WebContainer API');
  const { WebContainer } = await import('@webcontainer/api');
  step('Booting WebContainer (the first start downloads its runtime and takes about 10 s)');
  // Offline, boot() neither resolves nor rejects (TOOLCHAIN.md): only a timeout tells.
  booting ??= keepingItsFrame(() => WebContainer.boot({ coep: 'require-corp', workdirName: 'sandbox' }));
  let container: WebContainer;
  try {
    container = await Promise.race([booting, afterTimeout(timeoutSeconds)]);
  } catch (error) {
    if (error instanceof RuntimeUnavailable) throw error;
    const message = (error as Error).message ?? String(error);
    throw unavailable(
      `WebContainer could not start: ${message}`,
      /storage|cookie|security|quota/i.test(message)
        ? 'Allow cookies and site data for this site (some privacy settings block them), then reload.'
        : 'Reload the page to try again, or run the course locally with `npm start`.',
    );
  }
  step('Mounting the sandbox programs');
  const programs = await bundles();
  await container.mount({ bin: { directory: programs }, [SESSION]: { directory: {} } });
  return new WebContainerRuntime(container, Object.keys(programs).filter((f) => f !== 'package.json').map((f) => f.replace(/\.js$/, '')));
}

class WebContainerRuntime implements Runtime {
  readonly kind = 'webcontainer';
  readonly programs: readonly string[];
  private readonly container: WebContainer;

  constructor(container: WebContainer, programs: string[]) {
    this.container = container;
    this.programs = programs;
  }

  async spawn(program: string, args: string[], options: SpawnOptions = {}): Promise<SandboxProcess> {
    if (!this.programs.includes(program)) throw new Error(`there is no sandbox program named '${program}'`);
    const size = options.terminal;
    const env = { ...options.env, ...(size && { COLUMNS: String(size.cols), LINES: String(size.rows) }) };
    return this.container.spawn('node', [`../bin/${program}.js`, ...args], { cwd: SESSION, env, terminal: size });
  }

  async mount(tree: FileTree): Promise<void> {
    await this.container.mount(tree, { mountPoint: SESSION });
  }

  fs = {
    readFile: (path: string) => this.container.fs.readFile(`${SESSION}/${path.replace(/^\/+/, '')}`, 'utf-8'),
    writeFile: (path: string, contents: string) => this.container.fs.writeFile(`${SESSION}/${path.replace(/^\/+/, '')}`, contents),
  };

  teardown(): void {
    this.container.teardown();
    booting = undefined;
  }
}
