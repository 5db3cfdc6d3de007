import { useLab } from '../store/lab';

/** Shown when the page was opened with a link whose experiment could not be used. */
export function LinkIssuesBanner() {
  const issues = useLab((s) => s.linkIssues);
  const dismiss = useLab((s) => s.dismissLinkIssues);
  if (issues.length === 0) return null;
  return (
    <div className="banner error" role="alert" data-testid="error-banner">
      <strong>This link's experiment could not be loaded; showing the default network.</strong>
      <ul>
        {issues.slice(0, 5).map((issue) => (
          <li key={issue.path + issue.message}>{issue.message}</li>
        ))}
      </ul>
      <button type="button" className="ghost" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
