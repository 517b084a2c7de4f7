/** Registers the `description:` config section: what a run is for, shown as its MLflow description (`mlflow.note.content`). */
import { defineSection } from '../registry/section.js';

export const description = defineSection({
  name: 'description',
  description: "what the run is for, in a few sentences (Markdown); shown as the MLflow run's description",
  schema: { type: 'string' },
});
