import { describe, expect, it } from 'vitest';
import { loadProgress, recordProgress, progressByPage } from '../../../src/sandbox/view/progress';

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) } as Storage;
}

describe('exercise progress saved in the browser', () => {
  it('keeps a goal done once met, even when it is no longer met', () => {
    const storage = memoryStorage();
    recordProgress(storage, 'two-servers', '/lessons/overview', [
      { id: 'a', met: true },
      { id: 'b', met: false },
    ]);
    recordProgress(storage, 'two-servers', '/lessons/overview', [
      { id: 'a', met: false },
      { id: 'b', met: false },
    ]);
    expect(loadProgress(storage)['two-servers']).toEqual({ page: '/lessons/overview', total: 2, done: ['a'] });
    expect(progressByPage(loadProgress(storage)).get('/lessons/overview/')).toEqual({ done: 1, total: 2 });
  });

  it('starts over from a corrupt entry instead of failing', () => {
    const storage = memoryStorage();
    storage.setItem('course-progress:v1', '{not json');
    expect(loadProgress(storage)).toEqual({});
  });
});
