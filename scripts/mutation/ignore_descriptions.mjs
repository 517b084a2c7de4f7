// A Stryker ignorer: the `description:` texts of option schemas are documentation (shown by `detlab
// components` and the editor schema), not behaviour, so mutating them measures nothing about the tests.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const REASON = 'option schema description (documentation, not behaviour)';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'schema-descriptions', {
    shouldIgnore(path) {
      const parent = path.parentPath;
      if (parent === null || !parent.isObjectProperty() || parent.node.computed || parent.node.value !== path.node) return undefined;
      const key = parent.node.key;
      return (key.type === 'Identifier' ? key.name : key.value) === 'description' ? REASON : undefined;
    },
  }),
];
