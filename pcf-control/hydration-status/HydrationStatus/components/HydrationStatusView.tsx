/**
 * Top-level HydrationStatus component: looks the record's stub row up once per record and renders
 * the badge. It renders nothing while looking, so it never holds up the form, and an error boundary
 * keeps any rendering fault inside the control.
 */
import * as React from 'react';
import { formatLocalDateTime } from '../../../common/RelativeAge';
import type { HydrationStatusStrings } from '../HydrationStatusStrings';
import { lookupStubStatus, type StubStatus, type StubStatusReader } from '../StubStatusLookup';
import { HydrationBadge } from './HydrationBadge';

export interface HydrationStatusViewProps {
  /** Logical name and id of the form's record; undefined for a new record. */
  table?: string;
  recordId?: string;
  /** False when the user has no read privilege on ec_stub (then nothing is queried). */
  canReadStubs: boolean;
  reader?: StubStatusReader;
  strings: HydrationStatusStrings;
  formatDateTime?: (date: Date) => string;
}

class QuietBoundary extends React.Component<{ children?: React.ReactNode }, { failed: boolean }> {
  public override state = { failed: false };

  public static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  public override render(): React.ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}

const StatusLoader: React.FC<HydrationStatusViewProps> = ({ table, recordId, canReadStubs, reader, strings, formatDateTime }) => {
  const [status, setStatus] = React.useState<StubStatus | undefined>();
  const readerRef = React.useRef(reader);
  readerRef.current = reader;

  React.useEffect(() => {
    let current = true;
    setStatus(undefined);
    if (!canReadStubs) return undefined;
    lookupStubStatus(readerRef.current, table, recordId).then(
      (found) => {
        if (current) setStatus(found);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [table, recordId, canReadStubs]);

  return <HydrationBadge status={status} strings={strings} formatDateTime={formatDateTime ?? formatLocalDateTime} />;
};

export const HydrationStatusView: React.FC<HydrationStatusViewProps> = (props) => (
  <QuietBoundary>
    <StatusLoader {...props} />
  </QuietBoundary>
);
