/**
 * Top-level HydrationStatus component: takes the answer from the stub marker column when the control is
 * bound to it (Yes: a stub, No: nothing to show), else looks the record's stub row up once per record,
 * and renders the badge. It renders nothing while looking, so it never holds up the form, and an error boundary
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
  /** The bound `ec_isstub` value (StubMarker.ts); undefined when the control is not bound to it or it is empty. */
  marker?: boolean;
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

const StatusLoader: React.FC<HydrationStatusViewProps> = ({ table, recordId, marker, canReadStubs, reader, strings, formatDateTime }) => {
  const [status, setStatus] = React.useState<StubStatus | undefined>();
  const readerRef = React.useRef(reader);
  readerRef.current = reader;

  React.useEffect(() => {
    let current = true;
    if (marker !== undefined) {
      // The form's own value answers: no query (a record that is no longer a stub shows nothing).
      setStatus(marker && recordId ? { kind: 'stub' } : { kind: 'neverStub' });
      return undefined;
    }
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
  }, [table, recordId, marker, canReadStubs]);

  return <HydrationBadge status={status} strings={strings} formatDateTime={formatDateTime ?? formatLocalDateTime} />;
};

export const HydrationStatusView: React.FC<HydrationStatusViewProps> = (props) => (
  <QuietBoundary>
    <StatusLoader {...props} />
  </QuietBoundary>
);
