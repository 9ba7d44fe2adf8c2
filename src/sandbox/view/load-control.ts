// The load control: requests per second through the front door, made by the sandbox's own `load` command (the
// shell's open-loop generator) running in a shell the panel starts and types into, so the page's traffic is the
// same as a learner's. A new rate stops the running load (Ctrl-C) and starts another. The target is asked for once
// the rate is set, and may take until the sandbox is up to be known (a load chosen at once on a new lesson).
import { LOAD_SHELL_SIZE, type Runtime, type SandboxProcess } from '../../runtime/types';

const DURATION = '10m';
const CTRL_C = '\x03';

export class LoadControl {
  private shell?: Promise<{ process: SandboxProcess; keys: WritableStreamDefaultWriter<string> }>;
  private rate = 0;
  /** The last set, which the next one waits for: a rate chosen while the target is learnt must not overtake it. */
  private settled: Promise<unknown> = Promise.resolve();

  constructor(
    private runtime: Runtime,
    /** The front door's URL once it is known, or undefined when the sandbox has none. */
    private target: () => Promise<string | undefined>,
    /** A shell spawned with the sandbox (spawnLoadShell), used by the first rate. */
    private early?: Promise<SandboxProcess>,
  ) {}

  get current(): number {
    return this.rate;
  }

  set(rate: number): Promise<string> {
    const result = this.settled.then(() => this.apply(rate));
    this.settled = result.catch(() => {});
    return result;
  }

  private async apply(rate: number): Promise<string> {
    // The shell starts while the front door is being learnt.
    const [{ keys }, target] = await Promise.all([this.start(), rate > 0 ? this.target() : undefined]);
    if (rate > 0 && !target) return 'This sandbox has no web server or load balancer to send requests to.';
    const was = this.rate;
    this.rate = rate;
    // Keys typed while a command runs wait for the next prompt (the shell's type-ahead), so both go at once.
    const line = rate > 0 ? `load -r ${rate} -d ${DURATION} ${target}\r` : '';
    await keys.write((was > 0 ? CTRL_C : '') + line);
    return rate > 0 ? `Sending ${rate} requests/s to ${target} (load -r ${rate}).` : 'Load stopped.';
  }

  stop(): void {
    void this.shell?.then(({ process }) => process.kill());
    this.shell = undefined;
    this.rate = 0;
  }

  private start() {
    if (this.shell) return this.shell;
    const spawned = this.early ?? spawnLoadShell(this.runtime);
    this.early = undefined;
    this.shell = spawned.then((process) => {
      // Nobody reads the hidden shell's screen, but its output must be drained or it would stall.
      void process.output.pipeTo(new WritableStream()).catch(() => {});
      void process.exit.then(() => {
        this.shell = undefined;
        this.rate = 0;
      });
      return { process, keys: process.input.getWriter() };
    });
    return this.shell;
  }
}

/**
 * The load control's shell, a terminal nobody sees. The panel spawns it with the sandbox's nodes when the
 * sandbox has a front door, so that the learner's first rate is sent at once, not one process start later.
 */
export function spawnLoadShell(runtime: Runtime): Promise<SandboxProcess> {
  return runtime.spawn('shell', [], { terminal: LOAD_SHELL_SIZE });
}
