/**
 * The badge itself: a function of the stub status. Nothing for records that never were stubs (or
 * when the status cannot be read); the stub's state as an icon *and* text otherwise.
 */
import * as React from 'react';
import { mergeStyleSets } from '@fluentui/react';
import { formatDuration } from '../../../common/RelativeAge';
import { StubIcon } from '../../../common/StubIcons';
import type { HydrationStatusStrings } from '../HydrationStatusStrings';
import type { StubStatus } from '../StubStatusLookup';

export interface HydrationBadgeProps {
  status: StubStatus | undefined;
  strings: HydrationStatusStrings;
  formatDateTime(date: Date): string;
}

const styles = mergeStyleSets({
  badge: {
    display: 'inline-flex',
    alignItems: 'flex-start',
    gap: 8,
    padding: '6px 10px',
    borderRadius: 4,
    borderLeft: '4px solid',
    fontSize: 14,
    lineHeight: '20px',
    maxWidth: '100%',
    boxSizing: 'border-box',
  },
  pending: { backgroundColor: '#fff4ce', borderColor: '#8a5300', color: '#323130' },
  stub: { backgroundColor: '#fff4ce', borderColor: '#8a5300', color: '#323130' },
  abandoned: { backgroundColor: '#fde7e9', borderColor: '#a4262c', color: '#323130' },
  hydrated: { backgroundColor: '#dff6dd', borderColor: '#107c10', color: '#323130' },
  headline: { fontWeight: 600 },
  detail: { display: 'block', fontSize: 12, color: '#484644', overflowWrap: 'anywhere' },
});

const iconColors = { pending: '#8a5300', stub: '#8a5300', abandoned: '#a4262c', hydrated: '#107c10' } as const;

export const HydrationBadge: React.FC<HydrationBadgeProps> = ({ status, strings, formatDateTime }) => {
  if (!status || status.kind === 'neverStub' || status.kind === 'unavailable') return null;

  const when = (date: Date | undefined) => (date ? formatDateTime(date) : '');
  let headline: string;
  const details: string[] = [];
  if (status.kind === 'stub') {
    headline = strings.get('Badge_Stub');
  } else if (status.kind === 'hydrated') {
    headline =
      status.secondsToHydrate !== undefined
        ? strings.get('Badge_Hydrated', when(status.hydratedOn), formatDuration(status.secondsToHydrate, strings))
        : strings.get('Badge_HydratedNoDuration', when(status.hydratedOn));
  } else {
    headline = strings.get(status.kind === 'pending' ? 'Badge_Pending' : 'Badge_Abandoned', when(status.createdOn));
    if (status.attempts !== undefined) details.push(strings.get('Badge_Attempts', status.attempts));
    if (status.hydrationRequestedOn) details.push(strings.get('Badge_HydrationRequested', when(status.hydrationRequestedOn)));
    if (status.sourceInstance) details.push(strings.get('Badge_SourceInstance', status.sourceInstance));
    if (status.lastError) details.push(strings.get('Badge_LastError', status.lastError));
  }

  return (
    <div
      role="status"
      aria-label={strings.get('Badge_Label')}
      className={`${styles.badge} ${styles[status.kind]}`}
      data-hydration-status={status.kind}
    >
      <span style={{ display: 'inline-flex', marginTop: 2 }}>
        <StubIcon name={status.kind === 'stub' ? 'pending' : status.kind} color={iconColors[status.kind]} />
      </span>
      <div>
        <span className={styles.headline}>{headline}</span>
        {details.map((detail) => (
          <span key={detail} className={styles.detail}>
            {detail}
          </span>
        ))}
      </div>
    </div>
  );
};
