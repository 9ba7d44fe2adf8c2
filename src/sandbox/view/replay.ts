// Time travel: the view state at any position of the recorded stream, computed by reducing its prefix. States are
// kept every CHECKPOINT_EVERY events, so dragging the timeline over a long run reduces a few hundred events at most.
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { initialState, reduce, type ViewState } from './state';

const CHECKPOINT_EVERY = 250;

export class Replay {
  private checkpoints: ViewState[] = [initialState()];

  constructor(private events: readonly SandboxEvent[]) {}

  /** The state after the first `count` events. */
  stateAfter(count: number): ViewState {
    const n = Math.max(0, Math.min(count, this.events.length));
    const want = Math.floor(n / CHECKPOINT_EVERY);
    while (this.checkpoints.length <= want) {
      const k = this.checkpoints.length;
      let state = this.checkpoints[k - 1];
      for (let i = (k - 1) * CHECKPOINT_EVERY; i < k * CHECKPOINT_EVERY; i++) state = reduce(state, this.events[i]);
      this.checkpoints.push(state);
    }
    let state = this.checkpoints[want];
    for (let i = want * CHECKPOINT_EVERY; i < n; i++) state = reduce(state, this.events[i]);
    return state;
  }
}
