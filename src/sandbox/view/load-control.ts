// The load control: requests per second through the front door, made by the sandbox's own `load` command (the
// shell's open-loop generator) running in a shell the panel starts and types into, so the page's traffic is the
// same as a learner's. A new rate stops the running load (Ctrl-C) and starts another.
import type { Runtime, SandboxProcess } from '../../runtime/types';

const DURATION = '10m';
const CTRL_C = '\x03';

export class LoadControl {
  private shell?: Promise<{ process: SandboxProcess; keys: WritableStreamDefaultWriter<string> }>;
  private rate = 0;

  constructor(
    private runtime: Runtime,
    private target: () => string,
  ) {}

  get current(): number {
    return this.rate;
  }

  async set(rate: number): Promise<string> {
    const { keys } = await this.start();
    const was = this.rate;
    this.rate = rate;
    // Keys typed while a command runs wait for the next prompt (the shell's type-ahead), so both go at once.
    const line = rate > 0 ? `load -r ${rate} -d ${DURATION} ${this.target()}\r` : '';
    await keys.write((was > 0 ? CTRL_C : '') + line);
    return rate > 0 ? `Sending ${rate} requests/s to ${this.target()} (load -r ${rate}).` : 'Load stopped.';
  }

  stop(): void {
    void this.shell?.then(({ process }) => process.kill());
    this.shell = undefined;
    this.rate = 0;
  }

  private start() {
    this.shell ??= this.runtime.spawn('shell', [], { terminal: { cols: 120, rows: 10 } }).then((process) => {
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
