import { hiddenContentStyle, mergeStyleSets } from '@fluentui/react';

/** Stale rows: a warm background *and* a "Stale" marker in the age cell (never colour alone). */
export const STALE_BACKGROUND = '#fff4ce';

export const stubGridStyles = mergeStyleSets({
  root: {
    display: 'flex',
    flexDirection: 'column',
    boxSizing: 'border-box',
    minWidth: 0,
    minHeight: 0,
  },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: 8,
    padding: '4px 8px',
  },
  summary: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: 16,
    margin: 0,
    padding: 0,
    listStyle: 'none',
    fontWeight: 600,
  },
  toolbar: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: 4,
  },
  body: {
    flex: '1 1 auto',
    minHeight: 0,
    overflow: 'auto',
    position: 'relative',
  },
  staleRow: {
    backgroundColor: STALE_BACKGROUND,
    selectors: { ':hover': { backgroundColor: '#fde7a9' } },
  },
  inlineWithIcon: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: 6,
  },
  staleMarker: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: 4,
    marginLeft: 8,
    color: '#8a5300',
    fontWeight: 600,
  },
  secondaryText: {
    display: 'block',
    color: '#605e5c',
    fontSize: 12,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  },
  cellText: {
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  /** One line cut with an ellipsis (block, so the ellipsis applies inside a grid cell). */
  truncatedText: {
    display: 'block',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  },
  paging: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'flex-end',
    gap: 4,
    padding: '4px 8px',
  },
  /** Read by screen readers, not shown (e.g. the exact date-time that the tooltip shows on hover). */
  screenReaderOnly: hiddenContentStyle,
  centered: {
    padding: 24,
    textAlign: 'center',
  },
});
