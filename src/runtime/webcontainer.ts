// The `webcontainer` runtime: the sandbox programs run in the browser, in StackBlitz's WebContainer (a Node.js
// runtime in WebAssembly), exactly through the documented @webcontainer/api. Booted once per page (only one
// instance may exist), on a cross-origin isolated page. Its root is the workdir: bin/ holds the bundles fetched from
// this site (<base>/sandbox/bin/), and each sandbox runs in a folder of its own beside it (`cwd`, e.g. sandbox-2),
// with `node ../bin/<program>.js`, as the local bridge runs it in its session's folder.
//
// WebContainer lives in a hidden iframe that boot() adds to <body>. Client-side navigation replaces <body>, so the
// iframe is carried into each next page (src/runtime/persist.ts), where the browser can move it without reloading it.
import type { WebContainer } from '@webcontainer/api';
import type { TransitionBeforePreparationEvent } from 'astro:transitions/client';
import { movesKeepState, persistAcrossNavigation } from './persist';
import {
  FOLDER_NAME,
  RuntimeUnavailable,
  type BootStep,
  type FileTree,
  type Runtime,
  type SandboxProcess,
  type SpawnOptions,
} from './types';

/** Where this site serves the bundles: under its base path (astro.config.mjs `base`), so a project site works too. */
const BUNDLES_URL = `${import.meta.env.BASE_URL.replace(/\/?$/, '/')}sandbox/bin/`;
/**
 * An API key from StackBlitz, for uses their terms reserve to licensed sites (README, "WebContainer terms"). A public
 * build-time setting: the key is bound to the site's domains, and every visitor's browser sends it anyway.
 */
const API_KEY: string | undefined = import.meta.env.PUBLIC_WEBCONTAINER_API_KEY;
/** Fetching the bundles (about 3 MB from this site) and writing them into the container; spawning one program. */
const MOUNT_TIMEOUT_S = 60;
const SPAWN_TIMEOUT_S = 20;
/** The DOM event (on `document`) that carries an error the WebContainer reports after booting; detail: its message. */
export const WEBCONTAINER_ERROR = 'webcontainer:error';

let booting: Promise<WebContainer> | undefined;

function unavailable(message: string, advice: string): RuntimeUnavailable {
  return new RuntimeUnavailable('webcontainer', message, advice);
}

/** What stops a WebContainer on this page before even trying, found by feature (never by user agent). */
export function preflight(): RuntimeUnavailable | null {
  // Not navigator.serviceWorker: that is this page's, which a WebContainer does not use (its own frame registers its
  // own), and asking for it only refused browsers that could run one (e.g. some private windows).
  if (typeof WebAssembly === 'undefined' || typeof Worker === 'undefined') {
    return unavailable(
      'This browser cannot run WebContainers (it lacks WebAssembly or workers).',
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

/** `work`, or `late()` as a rejection when it has not settled within `seconds` (its timer cleared either way). */
function within<T>(work: Promise<T>, seconds: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), seconds * 1000)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function bootTooSlow(seconds: number): RuntimeUnavailable {
  return unavailable(
    `WebContainer did not start within ${seconds} seconds.`,
    navigator.onLine
      ? 'Its runtime is downloaded from stackblitz.com: check that your network, firewall or ad blocker lets it through and that third-party cookies are allowed for this site, then reload the page (a stuck start cannot be retried without a reload).'
      : 'You seem to be offline, and the WebContainer runtime is downloaded from stackblitz.com. Connect and reload, or run the course locally with `npm start`, which works offline.',
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
    for (const frame of changes
      .flatMap((change) => [...change.addedNodes])
      .filter((node) => node instanceof HTMLIFrameElement)) {
      persistAcrossNavigation(frame, 'webcontainer');
      frames.disconnect();
    }
  });
  frames.observe(document.body, { childList: true });
  const booted = boot();
  void booted.then(
    () => {
      if (movesKeepState) return;
      // This browser would reload the moved iframe, which ends the WebContainer: leave the page the ordinary way, and
      // the next page boots its own (one boot per page, as before client-side navigation).
      document.addEventListener('astro:before-preparation', (e) =>
        (e as TransitionBeforePreparationEvent).preventDefault(),
      );
    },
    () => {},
  ); // a failed boot is reported by bootWebContainer
  return booted;
}

export async function bootWebContainer(
  step: BootStep,
  { timeoutSeconds }: { timeoutSeconds: number },
): Promise<Runtime> {
  step('Checking that this browser can run WebContainers');
  const problem = preflight();
  if (problem) throw problem;
  step('Loading the WebContainer API');
  const { WebContainer, configureAPIKey } = await import('@webcontainer/api');
  step('Booting WebContainer (the first start downloads its runtime and takes about 10 s)');
  // The client refuses a key configured after boot().
  if (API_KEY && !booting) configureAPIKey(API_KEY);
  // Offline, boot() neither resolves nor rejects (TOOLCHAIN.md): only a timeout tells.
  booting ??= keepingItsFrame(() => WebContainer.boot({ coep: 'require-corp', workdirName: 'sandbox' }));
  let container: WebContainer;
  try {
    container = await within(booting, timeoutSeconds, () => bootTooSlow(timeoutSeconds));
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
  // Errors after boot (an internal error, storage taken away) would otherwise leave the processes hanging unexplained.
  container.on('error', ({ message }) =>
    document.dispatchEvent(new CustomEvent(WEBCONTAINER_ERROR, { detail: message })),
  );
  step('Mounting the sandbox programs');
  const mounted = bundles().then(async (programs) => {
    await container.mount({ bin: { directory: programs } });
    return Object.keys(programs)
      .filter((f) => f !== 'package.json')
      .map((f) => f.replace(/\.js$/, ''));
  });
  const programs = await within(mounted, MOUNT_TIMEOUT_S, () =>
    unavailable(
      `The sandbox programs were not in place within ${MOUNT_TIMEOUT_S} seconds.`,
      'Check your connection to this site and reload the page.',
    ),
  );
  return new WebContainerRuntime(container, programs);
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
    const folder = options.cwd ?? '.';
    if (options.cwd !== undefined && !FOLDER_NAME.test(options.cwd))
      throw new Error(`'${options.cwd}' is not a folder name a sandbox can run in`);
    const size = options.terminal;
    const env = { ...options.env, ...(size && { COLUMNS: String(size.cols), LINES: String(size.rows) }) };
    const bundle = options.cwd === undefined ? `bin/${program}.js` : `../bin/${program}.js`;
    let late = false;
    const started = (async () => {
      await this.container.fs.mkdir(folder, { recursive: true });
      return this.container.spawn('node', [bundle, ...args], { cwd: folder, env, terminal: size });
    })();
    void started.then(
      (process) => late && process.kill(),
      () => {},
    ); // given up on: it must not run unseen
    return within(started, SPAWN_TIMEOUT_S, () => {
      late = true;
      return new Error(`the WebContainer did not start ${program} within ${SPAWN_TIMEOUT_S} seconds`);
    });
  }

  async mount(tree: FileTree): Promise<void> {
    await this.container.mount(tree);
  }

  fs = {
    readFile: (path: string) => this.container.fs.readFile(path.replace(/^\/+/, ''), 'utf-8'),
    writeFile: (path: string, contents: string) => this.container.fs.writeFile(path.replace(/^\/+/, ''), contents),
  };

  private tornDown = false;

  /** Once only: the client throws when a torn-down container is torn down again. */
  teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.container.teardown();
    booting = undefined;
  }
}
