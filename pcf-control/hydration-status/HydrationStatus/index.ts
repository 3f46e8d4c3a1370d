import * as React from 'react';
import type { IInputs, IOutputs } from './generated/ManifestTypes';
import { createLocalizedStrings } from '../../common/LocalizedStrings';
import { formatLocalDateTime } from '../../common/RelativeAge';
import { StubTable } from '../../common/StubTable';
import { HydrationStatusView } from './components/HydrationStatusView';
import { currentRecordOf } from './CurrentRecord';
import { stubMarkerOf } from './StubMarker';
import type { HydrationStatusStringKey } from './HydrationStatusStrings';

const PRIVILEGE_READ = 2;
const DEPTH_BASIC = 0;

/**
 * ec_DataverseEnsure.HydrationStatus — maps the form's context (record, privileges, Web API,
 * strings) to the props of `HydrationStatusView`. Never throws into the form.
 */
export class HydrationStatus implements ComponentFramework.ReactControl<IInputs, IOutputs> {
  private context!: ComponentFramework.Context<IInputs>;

  public init(context: ComponentFramework.Context<IInputs>): void {
    this.context = context;
  }

  public updateView(context: ComponentFramework.Context<IInputs>): React.ReactElement {
    this.context = context;
    const record = currentRecordOf(context);
    return React.createElement(HydrationStatusView, {
      table: record.table,
      recordId: record.id,
      marker: stubMarkerOf(context.parameters.placement),
      canReadStubs: this.canReadStubs(),
      reader: context.webAPI,
      strings: createLocalizedStrings<HydrationStatusStringKey>(context.resources),
      formatDateTime: (date: Date) => this.formatDateTime(date),
    });
  }

  public getOutputs(): IOutputs {
    return {};
  }

  public destroy(): void {
    // Nothing to release: React unmounts the view.
  }

  /** False only when the platform says so; an unknown answer lets the query try (and fail quietly). */
  private canReadStubs(): boolean {
    try {
      return this.context.utils.hasEntityPrivilege(StubTable.logicalName, PRIVILEGE_READ, DEPTH_BASIC) !== false;
    } catch {
      return true;
    }
  }

  private formatDateTime(date: Date): string {
    try {
      return this.context.formatting.formatDateShort(date, true);
    } catch {
      return formatLocalDateTime(date);
    }
  }
}
