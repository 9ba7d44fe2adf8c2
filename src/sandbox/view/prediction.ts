// One prediction in the exercise panel: the question asked before the key action (a number with its unit, or a
// group of radio buttons), locked once given and kept in the browser (progress.ts), then, once the run has
// measured it, "You predicted X; your run measured Y (how)". A blank prediction is fine: the measured value shows.
import type { ViewPrediction } from './state';
import { setInlineText } from './inline-text';
import { uniqueId } from './ids';

export interface PredictionStore {
  load(): string | undefined;
  save(answer: string | undefined): void;
}

/** "23 requests", "3.61 s", "100%", or a choice as it is. */
export function withUnit(prediction: Pick<ViewPrediction, 'kind'>, value: number | string): string {
  if (prediction.kind.type === 'choice') return String(value);
  return prediction.kind.unit === '%' ? `${value}%` : `${value} ${prediction.kind.unit}`;
}

/** The sentence shown once something is known: the prediction (or its absence) and the run's measure. */
export function comparison(prediction: ViewPrediction, answer: string | undefined): string | undefined {
  const { measured } = prediction;
  if (!measured)
    return answer === undefined
      ? undefined
      : `You predicted ${withUnit(prediction, answer)}. Now do it: your run will measure it.`;
  const said = answer === undefined ? 'You made no prediction' : `You predicted ${withUnit(prediction, answer)}`;
  return `${said}; your run measured ${withUnit(prediction, measured.value)} (${measured.how}).`;
}

export class PredictionView {
  readonly element: HTMLDivElement;
  private form: HTMLFormElement;
  private error: HTMLParagraphElement;
  private result: HTMLParagraphElement;
  private change: HTMLButtonElement;
  private answer: string | undefined;
  private prediction: ViewPrediction;

  constructor(
    prediction: ViewPrediction,
    private store: PredictionStore,
  ) {
    this.prediction = prediction;
    this.answer = store.load();
    const [field, error] = [uniqueId('predict'), uniqueId('predict-error')];
    this.element = document.createElement('div');
    this.element.className = 'prediction';
    this.element.dataset.prediction = prediction.id;
    const { kind } = prediction;
    this.element.innerHTML = `<form class="predict" novalidate>
        ${
          kind.type === 'number'
            ? `<p class="predict-field"><label for="${field}"><span class="predict-tag">Predict first:</span> <span class="question"></span></label>
               <span class="predict-input"><input id="${field}" type="number" step="any" inputmode="decimal" aria-describedby="${error}"> <span class="unit"></span></span></p>`
            : `<fieldset aria-describedby="${error}"><legend><span class="predict-tag">Predict first:</span> <span class="question"></span></legend>
               ${kind.choices.map((_, i) => `<label><input type="radio" name="${field}" value="${i}"> <span class="choice"></span></label>`).join(' ')}</fieldset>`
        }
        <p id="${error}" class="predict-error"></p>
        <p><button type="submit">Lock in my prediction</button></p>
      </form>
      <p class="predict-result" aria-live="polite"></p>
      <p class="predict-change" hidden><button type="button">Change my prediction</button></p>`;
    setInlineText(this.element.querySelector('.question')!, prediction.question);
    if (kind.type === 'number') this.element.querySelector('.unit')!.textContent = kind.unit;
    else this.element.querySelectorAll('.choice').forEach((span, i) => (span.textContent = kind.choices[i]));
    this.form = this.element.querySelector('form')!;
    this.error = this.element.querySelector('.predict-error')!;
    this.result = this.element.querySelector('.predict-result')!;
    this.change = this.element.querySelector('.predict-change button')!;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.lock();
    });
    this.change.addEventListener('click', () => {
      this.answer = undefined;
      this.store.save(undefined);
      this.render();
      this.form.querySelector<HTMLInputElement>('input')!.focus();
    });
    this.render();
  }

  update(prediction: ViewPrediction): void {
    if (
      prediction.measured?.value === this.prediction.measured?.value &&
      prediction.measured?.how === this.prediction.measured?.how
    )
      return;
    this.prediction = prediction;
    this.render();
  }

  private lock(): void {
    const { kind } = this.prediction;
    let answer: string | undefined;
    if (kind.type === 'number') {
      const input = this.form.querySelector<HTMLInputElement>('input')!;
      const value = input.value.trim();
      if (value === '' || !Number.isFinite(Number(value))) {
        this.error.textContent = `Enter a number of ${kind.unit}, or leave it blank and go on: your run's value shows either way.`;
        input.focus();
        return;
      }
      answer = String(Number(value));
    } else {
      const checked = this.form.querySelector<HTMLInputElement>('input:checked');
      if (!checked) {
        this.error.textContent = "Choose one, or go on without: your run's value shows either way.";
        this.form.querySelector<HTMLInputElement>('input')!.focus();
        return;
      }
      answer = kind.choices[Number(checked.value)];
    }
    this.error.textContent = '';
    this.answer = answer;
    this.store.save(answer);
    this.render();
    this.change.focus();
  }

  private render(): void {
    const locked = this.answer !== undefined;
    const measured = !!this.prediction.measured;
    // Once the run has measured it, the prediction stands as it was (none is asked after the answer is on screen);
    // after a reset, with nothing measured, it can be changed again.
    this.form.hidden = locked || measured;
    this.change.parentElement!.hidden = !locked || measured;
    const text = comparison(this.prediction, this.answer) ?? '';
    if (this.result.textContent !== text) setInlineText(this.result, text);
    this.element.dataset.state = this.prediction.measured ? 'measured' : locked ? 'locked' : 'open';
  }
}
