import type { ReactNode } from 'react';

export function ScreenHeader({
  title,
  api,
  children,
  onReload,
  loading,
}: {
  title: string;
  api: string;
  children?: ReactNode;
  onReload?: () => void;
  loading?: boolean;
}) {
  return (
    <div className="screen-header">
      <div>
        <h2>{title}</h2>
        <p className="muted">
          {children} <span className="api-tag">{api}</span>
        </p>
      </div>
      {onReload && (
        <button type="button" className="ghost" onClick={onReload} disabled={loading}>
          {loading ? 'Loading…' : 'Reload'}
        </button>
      )}
    </div>
  );
}
