// The timeline under the picture: drag or step through the recorded events and the whole panel shows that moment
// (topology, charts, log); play replays the run at a chosen speed; "Live" follows the stream again.

export interface TimelineHooks {
  /** Show the state after `count` events, or live (undefined). */
  show(count: number | undefined): void;
  timeOf(count: number): number;
}

export class Timeline {
  private range: HTMLInputElement;
  private label: HTMLOutputElement;
  private liveButton: HTMLButtonElement;
  private playButton: HTMLButtonElement;
  private speed: HTMLSelectElement;
  private total = 0;
  private at: number | undefined; // undefined: live
  private player?: ReturnType<typeof setInterval>;

  constructor(
    host: HTMLElement,
    private hooks: TimelineHooks,
  ) {
    const box = document.createElement('div');
    box.className = 'timeline';
    box.innerHTML = `
      <button type="button" data-step="-1" aria-label="Step back one event">◀</button>
      <input type="range" min="0" max="0" value="0" aria-label="Timeline of events">
      <button type="button" data-step="1" aria-label="Step forward one event">▶</button>
      <button type="button" class="play">Replay</button>
      <label>Speed <select><option value="1">1×</option><option value="4" selected>4×</option><option value="16">16×</option></select></label>
      <button type="button" class="live" aria-pressed="true">Live</button>
      <output aria-live="off"></output>`;
    this.range = box.querySelector('input')!;
    this.label = box.querySelector('output')!;
    this.liveButton = box.querySelector('.live')!;
    this.playButton = box.querySelector('.play')!;
    this.speed = box.querySelector('select')!;
    this.range.addEventListener('input', () => this.goTo(Number(this.range.value)));
    for (const b of box.querySelectorAll<HTMLButtonElement>('[data-step]'))
      b.addEventListener('click', () => this.step(Number(b.dataset.step)));
    this.liveButton.addEventListener('click', () => this.live());
    this.playButton.addEventListener('click', () => (this.player ? this.stop() : this.play()));
    host.appendChild(box);
  }

  get isLive(): boolean {
    return this.at === undefined;
  }

  /** The stream grew to `total` events. */
  grew(total: number): void {
    this.total = total;
    this.range.max = String(total);
    if (this.isLive) {
      this.range.value = String(total);
      this.describe(total);
    }
  }

  step(by: number): void {
    this.stop();
    this.goTo((this.at ?? this.total) + by);
  }

  live(): void {
    this.stop();
    this.at = undefined;
    this.liveButton.setAttribute('aria-pressed', 'true');
    this.range.value = String(this.total);
    this.describe(this.total);
    this.hooks.show(undefined);
  }

  private goTo(count: number): void {
    const n = Math.max(1, Math.min(this.total, count));
    if (n >= this.total && !this.player) return this.live();
    this.at = n;
    this.liveButton.setAttribute('aria-pressed', 'false');
    this.range.value = String(n);
    this.describe(n);
    this.hooks.show(n);
  }

  /** Replays from the start, in event time scaled by the chosen speed, ticking 10 times a second. */
  private play(): void {
    const speed = Number(this.speed.value);
    let clock = 0;
    let n = 1;
    this.playButton.textContent = 'Stop';
    this.player = setInterval(() => {
      clock += 100 * speed;
      while (n < this.total && this.hooks.timeOf(n + 1) <= clock) n++;
      this.goTo(n);
      if (n >= this.total) this.stop();
    }, 100);
  }

  private stop(): void {
    if (!this.player) return;
    clearInterval(this.player);
    this.player = undefined;
    this.playButton.textContent = 'Replay';
  }

  private describe(n: number): void {
    const text = `${this.isLive ? 'Live' : 'Replay'}: event ${n} of ${this.total}, ${(this.hooks.timeOf(n) / 1000).toFixed(1)} s`;
    this.label.textContent = text;
    this.range.setAttribute('aria-valuetext', text);
  }
}
