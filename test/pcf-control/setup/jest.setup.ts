// Runs before every pcf-control test file (jsdom).
import '@testing-library/jest-dom';
import { setIconOptions } from '@fluentui/react';

// The controls draw their own SVG icons; Fluent's font icons are never registered in tests.
setIconOptions({ disableWarnings: true });
