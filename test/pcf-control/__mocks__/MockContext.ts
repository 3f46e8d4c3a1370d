/**
 * Hand-written stand-in for ComponentFramework.Context: the parts the two controls use (parameters,
 * resources from the real .resx, webAPI, navigation, utils, formatting, mode), each a jest mock that
 * a test can replace.
 */
import { readResx, resourcesFrom } from './resx';

export interface MockContextOptions<TInputs> {
  parameters: TInputs;
  /** Which control's .resx serves `resources.getString`. */
  strings: { project: string; control: string } | Map<string, string>;
  webAPI?: Partial<Record<keyof ComponentFramework.WebApi, jest.Mock>> | null;
  navigation?: Partial<Record<keyof ComponentFramework.Navigation, jest.Mock>>;
  utils?: Partial<Record<keyof ComponentFramework.Utility, jest.Mock>>;
  mode?: Partial<ComponentFramework.Mode> & { contextInfo?: { entityTypeName?: string; entityId?: string } };
  page?: { entityTypeName?: string; entityId?: string };
}

export type MockContext<TInputs> = ComponentFramework.Context<TInputs> & {
  webAPI: Record<keyof ComponentFramework.WebApi, jest.Mock>;
  navigation: Record<keyof ComponentFramework.Navigation, jest.Mock>;
  utils: Record<keyof ComponentFramework.Utility, jest.Mock>;
};

/** Exact date-times as the mock "user settings" format them: predictable in assertions. */
export function mockFormatDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function notMocked(name: string): jest.Mock {
  return jest.fn(() => Promise.reject(new Error(`webAPI.${name} is not mocked in this test`)));
}

export function createMockContext<TInputs>(options: MockContextOptions<TInputs>): MockContext<TInputs> {
  const strings =
    options.strings instanceof Map ? options.strings : readResx(options.strings.project, options.strings.control);
  const webAPI =
    options.webAPI === null
      ? undefined
      : {
          createRecord: notMocked('createRecord'),
          deleteRecord: notMocked('deleteRecord'),
          retrieveMultipleRecords: notMocked('retrieveMultipleRecords'),
          retrieveRecord: notMocked('retrieveRecord'),
          updateRecord: notMocked('updateRecord'),
          ...options.webAPI,
        };
  const context = {
    parameters: options.parameters,
    resources: resourcesFrom(strings),
    webAPI,
    navigation: {
      openAlertDialog: jest.fn(() => Promise.resolve()),
      openConfirmDialog: jest.fn(() => Promise.resolve({ confirmed: true })),
      openErrorDialog: jest.fn(() => Promise.resolve()),
      openFile: jest.fn(() => Promise.resolve()),
      openForm: jest.fn(() => Promise.resolve({ savedEntityReference: [] })),
      openUrl: jest.fn(),
      openWebResource: jest.fn(),
      ...options.navigation,
    },
    utils: {
      getEntityMetadata: jest.fn(() => Promise.resolve({})),
      hasEntityPrivilege: jest.fn(() => true),
      lookupObjects: jest.fn(() => Promise.resolve([])),
      ...options.utils,
    },
    formatting: {
      formatDateShort: jest.fn((date: Date) => mockFormatDateTime(date)),
    },
    mode: {
      allocatedHeight: -1,
      allocatedWidth: 900,
      isControlDisabled: false,
      isVisible: true,
      label: '',
      setControlState: jest.fn(),
      setFullScreen: jest.fn(),
      trackContainerResize: jest.fn(),
      ...options.mode,
    },
    page: options.page,
    updatedProperties: [],
    userSettings: { languageId: 1033, isRTL: false, userId: '{00000000-0000-0000-0000-0000000000aa}', userName: 'Test User' },
  };
  return context as unknown as MockContext<TInputs>;
}
