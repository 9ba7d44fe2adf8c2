// The probe page's reading of the probe's output and its report: rows, prompts and the summary are told apart from
// anything else (a terminal's echo, even on the same line as a row), and the verdict counts only needed rows.
import { describe, expect, it } from 'vitest';
import { readLine, reportText, verdict, type Row } from '../../src/probe/report';

const row = (check: string, result: Row['result'], needed: boolean): Row => ({
  check,
  title: `title of ${check}`,
  result,
  detail: `detail of ${check}`,
  needed,
});

describe('the probe report', () => {
  it('tells rows, prompts and the summary from other output, including an echo glued before a row', () => {
    expect(readLine('{"check":"spawn","title":"t","result":"pass","detail":"d","needed":true}')).toMatchObject({
      kind: 'row',
      row: { check: 'spawn' },
    });
    expect(readLine('{"prompt":"line","send":"probe-line-1"}')).toEqual({
      kind: 'prompt',
      prompt: { prompt: 'line', send: 'probe-line-1' },
    });
    expect(
      readLine('{"summary":"all 2 needed checks pass","checks":3,"needed":2,"failed":[],"elapsed_ms":5}'),
    ).toMatchObject({ kind: 'summary' });
    expect(readLine('probe-line-1')).toEqual({ kind: 'other', text: 'probe-line-1' });
    expect(readLine('probe-line-1{"check":"x","title":"t","result":"pass","detail":"d","needed":true}')).toMatchObject({
      kind: 'other',
    });
    expect(readLine('{"cmd":"kill"}')).toEqual({ kind: 'other', text: '{"cmd":"kill"}' });
    expect(readLine('{not json')).toEqual({ kind: 'other', text: '{not json' });
  });

  it('passes when every needed row passes, whatever the informative rows say', () => {
    expect(
      verdict([row('spawn', 'pass', true), row('fetch', 'fail', false), row('node-version', 'info', false)]).text,
    ).toBe('The 1 needed check passes');
  });

  it('names every needed row that does not pass', () => {
    const { text, failed } = verdict([
      row('spawn', 'fail', true),
      row('lifeline', 'fail', true),
      row('rename', 'pass', true),
    ]);
    expect(text).toBe('2 needed checks fail: spawn, lifeline');
    expect(failed.map((r) => r.check)).toEqual(['spawn', 'lifeline']);
    expect(verdict([row('probe-run', 'fail', true)]).text).toBe('1 needed check fails: probe-run');
  });

  it('writes every row, the page figures and the verdict into the text report', () => {
    const text = reportText({
      page: 'https://course.example/probe/?runtime=webcontainer',
      figures: [['boot time', '812 ms']],
      rows: [row('spawn', 'pass', true), row('sigstop', 'fail', false)],
    });
    expect(text).toMatch(/^Capability probe report: https:\/\/course\.example\/probe\/\?runtime=webcontainer\n/);
    expect(text).toContain('boot time: 812 ms');
    expect(text).toMatch(/^PASS spawn +needed \| title of spawn \| detail of spawn$/m);
    expect(text).toMatch(/^FAIL sigstop +\| title of sigstop \| detail of sigstop$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('The 1 needed check passes');
  });
});
