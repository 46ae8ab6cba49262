/** Shown instead of the app when the Vite process was started without the configuration it needs. */
export function ConfigError({ missing }: { missing: string[] }) {
  return (
    <main className="single">
      <section className="card error-box" role="alert" data-testid="config-error">
        <h2>The SPA is not configured</h2>
        <p>
          Missing environment variable{missing.length > 1 ? 's' : ''}:{' '}
          {missing.map((name, i) => (
            <span key={name}>
              {i > 0 && ', '}
              <code>{name}</code>
            </span>
          ))}
          .
        </p>
        <p>
          Start everything with <code>npm start</code> from the repository root, which sets them, or set them for the
          Vite process yourself (see <code>examples/README.md</code>).
        </p>
      </section>
    </main>
  );
}
