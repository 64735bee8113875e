// Settings: from the initialization options, then pulled with workspace/configuration when
// the client supports it, and again (or taken inline) on every configuration change.
import type { Connection } from 'vscode-languageserver';
import type { Documents } from '../documents';
import { fromProtoSettings } from '../from-proto';
import type { Settings } from '../settings';
import type { Lifecycle } from './lifecycle';

/** Registers the configuration handlers; returns the hooks of initialization. */
export function registerConfiguration(c: Connection, docs: Documents): Lifecycle {
  let configurationPull = false;
  const apply = (s: Partial<Settings>): void => {
    docs.settings = fromProtoSettings(s, docs.settings);
  };
  const pull = async (): Promise<void> => {
    if (!configurationPull) return;
    try {
      const s = (await c.workspace.getConfiguration('vmscen')) as Partial<Settings> | null;
      if (s) apply(s);
    } catch {
      // a client without the configuration request keeps the defaults
    }
  };
  c.onDidChangeConfiguration((p) => {
    const inline = (p.settings as { vmscen?: Partial<Settings> } | undefined)?.vmscen;
    if (inline) apply(inline);
    else void pull();
  });
  return {
    initialize: (p) => {
      configurationPull = !!p.capabilities.workspace?.configuration;
      const init = (p.initializationOptions as { settings?: Partial<Settings> } | undefined)?.settings;
      if (init) apply(init);
    },
    initialized: () => void pull(),
  };
}
