/** The code both controls share: ec_stub names, strings with placeholders, ages and durations. */
import { createLocalizedStrings, formatTemplate } from '../../../pcf-control/common/LocalizedStrings';
import { formatDuration, formatRelativeAge, relativeAge } from '../../../pcf-control/common/RelativeAge';
import { StubState, toStubState } from '../../../pcf-control/common/StubTable';

const units = createLocalizedStrings<string>({
  getString: (id) =>
    ({
      Age_JustNow: 'now',
      Age_Minutes: '{0}m',
      Age_Hours: '{0}h',
      Age_Days: '{0}d',
      Duration_Seconds: '{0}s',
      Duration_Minutes: '{0}min',
      Duration_Hours: '{0}hr',
      Duration_Days: '{0}days',
    })[id] ?? id,
});

describe('formatTemplate', () => {
  it('replaces {n} placeholders in order and leaves unknown ones', () => {
    expect(formatTemplate('{1} of {0}, {2}', [10, 'three'])).toBe('three of 10, {2}');
  });

  it('formats through the string source', () => {
    const strings = createLocalizedStrings<'A'>({ getString: () => 'Page {0}' });
    expect(strings.get('A', 4)).toBe('Page 4');
  });
});

describe('relative ages', () => {
  it.each([
    [0, 'now'],
    [59_999, 'now'],
    [60_000, '1m'],
    [59 * 60_000, '59m'],
    [60 * 60_000, '1h'],
    [47 * 3_600_000 + 59 * 60_000, '47h'],
    [48 * 3_600_000, '2d'],
    [10 * 86_400_000, '10d'],
    [-5_000, 'now'],
  ])('%d ms → %s', (elapsed, text) => {
    expect(formatRelativeAge(elapsed, units)).toBe(text);
  });

  it('rounds down', () => {
    expect(relativeAge(119 * 60_000)).toEqual({ unit: 'hours', amount: 1 });
  });
});

describe('durations', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1min'],
    [7 * 60 + 30, '7min'],
    [3 * 3600, '3hr'],
    [3 * 86_400, '3days'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatDuration(seconds, units)).toBe(text);
  });
});

describe('ec_stubstate values', () => {
  it('accepts the three choice values as numbers or numeric text', () => {
    expect(toStubState(100000000)).toBe(StubState.Pending);
    expect(toStubState('100000001')).toBe(StubState.Hydrated);
    expect(toStubState(100000002)).toBe(StubState.Abandoned);
  });

  it('answers undefined for anything else', () => {
    for (const value of [null, undefined, '', 'Pending', 1, 100000003, {}]) expect(toStubState(value)).toBeUndefined();
  });
});
