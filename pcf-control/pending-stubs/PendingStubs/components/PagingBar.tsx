import * as React from 'react';
import { IconButton, Text } from '@fluentui/react';
import type { PendingStubsStrings } from '../PendingStubsStrings';
import type { PagingMove, StubGridPaging } from './PendingStubsGrid.types';
import { StubIcon, type StubIconName } from '../../../common/StubIcons';
import { stubGridStyles } from './PendingStubsGrid.styles';

export interface PagingBarProps {
  paging: StubGridPaging;
  strings: PendingStubsStrings;
  disabled: boolean;
  onPage(move: PagingMove): void;
}

export const PagingBar: React.FC<PagingBarProps> = ({ paging, strings, disabled, onPage }) => {
  const button = (move: PagingMove, icon: StubIconName, label: 'Paging_First' | 'Paging_Previous' | 'Paging_Next', enabled: boolean) => (
    <IconButton
      ariaLabel={strings.get(label)}
      title={strings.get(label)}
      disabled={disabled || !enabled}
      onRenderIcon={() => <StubIcon name={icon} />}
      onClick={() => onPage(move)}
    />
  );
  return (
    <nav className={stubGridStyles.paging} aria-label={strings.get('Paging_Label')}>
      {button('first', 'first', 'Paging_First', paging.hasPreviousPage)}
      {button('previous', 'previous', 'Paging_Previous', paging.hasPreviousPage)}
      <Text aria-live="polite" data-testid="paging-status">
        {paging.totalCount !== undefined && paging.totalCount >= 0
          ? strings.get('Paging_StatusWithTotal', paging.page, paging.totalCount)
          : strings.get('Paging_Status', paging.page)}
      </Text>
      {button('next', 'next', 'Paging_Next', paging.hasNextPage)}
    </nav>
  );
};
