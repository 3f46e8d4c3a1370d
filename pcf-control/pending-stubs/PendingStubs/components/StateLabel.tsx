import * as React from 'react';
import { StubState } from '../../../common/StubTable';
import type { PendingStubsStringKey, PendingStubsStrings } from '../PendingStubsStrings';
import { StubIcon, type StubIconName } from '../../../common/StubIcons';
import type { StubRow } from './PendingStubsGrid.types';
import { stubGridStyles } from './PendingStubsGrid.styles';

interface StateAppearance {
  icon: StubIconName;
  label: PendingStubsStringKey;
  color: string;
}

export function stateAppearance(state: StubRow['state']): StateAppearance {
  switch (state) {
    case StubState.Pending:
      return { icon: 'pending', label: 'State_Pending', color: '#8a5300' };
    case StubState.Hydrated:
      return { icon: 'hydrated', label: 'State_Hydrated', color: '#107c10' };
    case StubState.Abandoned:
      return { icon: 'abandoned', label: 'State_Abandoned', color: '#a4262c' };
    default:
      return { icon: 'unknown', label: 'State_Unknown', color: '#605e5c' };
  }
}

/** The state as an icon *and* text: colour is never the only signal. */
export const StateLabel: React.FC<{ state: StubRow['state']; strings: PendingStubsStrings }> = ({ state, strings }) => {
  const appearance = stateAppearance(state);
  return (
    <span className={stubGridStyles.inlineWithIcon} data-state={appearance.icon}>
      <StubIcon name={appearance.icon} color={appearance.color} />
      <span>{strings.get(appearance.label)}</span>
    </span>
  );
};
