// The page's side of predictions: the view state takes the questions from the scenario event and the measured values
// from `prediction` events (a reset forgets them), the learner's answers are kept in the browser, and the sentence
// shown puts both side by side.
import { describe, expect, it } from 'vitest';
import { comparison } from '../../../src/sandbox/view/prediction';
import { loadPredictions, savePrediction } from '../../../src/sandbox/view/progress';
import { reduceAll } from '../../../src/sandbox/view/state';
import { stream, twoServers } from './stream';

const withPredictions = {
  ...twoServers,
  predictions: [
    {
      id: 'failures',
      question: 'How many fail?',
      kind: { type: 'number' as const, unit: 'requests' },
      goal: 'survive-kill',
    },
    { id: 'share', question: 'What share?', kind: { type: 'choice' as const, choices: ['about half', 'all'] } },
  ],
};

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) } as Storage;
}

describe('predictions in the view state', () => {
  it('takes the questions from the scenario and the measured value from the latest prediction event', () => {
    const state = reduceAll(
      stream(
        [0, 'supervisor', withPredictions],
        [5000, 'supervisor', { type: 'prediction', id: 'failures', value: 20, how: 'first count' }],
        [6000, 'supervisor', { type: 'prediction', id: 'failures', value: 23, how: 'later count' }],
      ),
    );
    expect(state.predictions).toEqual([
      { ...withPredictions.predictions[0], measured: { value: 23, how: 'later count' } },
      withPredictions.predictions[1],
    ]);
  });

  it('forgets the measured values when the lab is reset (a new scenario event)', () => {
    const state = reduceAll(
      stream(
        [0, 'supervisor', withPredictions],
        [5000, 'supervisor', { type: 'prediction', id: 'failures', value: 20, how: 'count' }],
        [9000, 'supervisor', withPredictions],
      ),
    );
    expect(state.predictions.map((p) => p.measured)).toEqual([undefined, undefined]);
  });

  it('reads a recording made before predictions existed as having none', () => {
    const { predictions: _none, ...old } = twoServers;
    expect(reduceAll(stream([0, 'supervisor', old as typeof twoServers])).predictions).toEqual([]);
  });
});

describe('the sentence beside a prediction', () => {
  const failures = { ...withPredictions.predictions[0], measured: { value: 23, how: 'between the kill and DOWN' } };

  it('puts the prediction beside the measure, with units and how it was measured', () => {
    expect(comparison(failures, '12')).toBe(
      'You predicted 12 requests; your run measured 23 requests (between the kill and DOWN).',
    );
    expect(
      comparison({ ...failures, kind: { type: 'number', unit: '%' }, measured: { value: 100, how: 'x' } }, '50'),
    ).toBe('You predicted 50%; your run measured 100% (x).');
  });

  it('shows the measure when no prediction was made, and waits for the run when one was', () => {
    expect(comparison(failures, undefined)).toBe(
      'You made no prediction; your run measured 23 requests (between the kill and DOWN).',
    );
    expect(comparison(withPredictions.predictions[1], 'about half')).toBe(
      'You predicted about half. Now do it: your run will measure it.',
    );
    expect(comparison(withPredictions.predictions[1], undefined)).toBeUndefined();
  });
});

describe('predictions kept in the browser', () => {
  it('keeps each answer per scenario until the learner changes it', () => {
    const storage = memoryStorage();
    savePrediction(storage, 'server-dies', 'failures', '12');
    savePrediction(storage, 'spof', 'share', '50');
    expect(loadPredictions(storage, 'server-dies')).toEqual({ failures: '12' });
    savePrediction(storage, 'server-dies', 'failures', undefined);
    expect(loadPredictions(storage, 'server-dies')).toEqual({});
    expect(loadPredictions(storage, 'spof')).toEqual({ share: '50' });
  });

  it('starts over from a corrupt entry instead of failing', () => {
    const storage = memoryStorage();
    storage.setItem('course-predictions:v1', '{not json');
    expect(loadPredictions(storage, 'spof')).toEqual({});
    savePrediction(storage, 'spof', 'share', '100');
    expect(loadPredictions(storage, 'spof')).toEqual({ share: '100' });
  });
});
