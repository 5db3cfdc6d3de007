// Picking out a spec's issues by the path validate() gave them ("stages/1/cardinality",
// "stem/channels", ...), so the diagram and the inspector show each problem where it is.
import type { SpecIssue } from '../spec';

/** Messages of the issues at exactly `path`. */
export const messagesAt = (issues: SpecIssue[], path: string) =>
  issues.filter((issue) => issue.path === path).map((issue) => issue.message);

/** Issues that belong to stage `index` (paths "stages/<index>" and below). */
export function stageIssues(issues: SpecIssue[], index: number): SpecIssue[] {
  const prefix = `stages/${index}`;
  return issues.filter((issue) => issue.path === prefix || issue.path.startsWith(`${prefix}/`));
}

/** validate() starts a stage's messages with "stage N: "; at the stage itself that is noise. */
export const withoutStagePrefix = (message: string) => message.replace(/^stage \d+: /, '');
