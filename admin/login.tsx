/** The admin login form (one field: the admin token) and the page for refused requests. */
import { Layout, Logo, renderDocument } from "./page";

export interface LoginPageProps {
  nonce: string;
  /** Shown above the form after a failed attempt. */
  error?: string;
}

export function LoginPage(p: LoginPageProps) {
  return (
    <Layout nonce={p.nonce} title="Log in · signpost admin">
      <main class="login card">
        <h1>
          <Logo />
          signpost admin
        </h1>
        <p class="muted">Log in with the deployment's admin token (the ADMIN_TOKEN secret).</p>
        {p.error && (
          <p class="alert" role="alert" id="login-error">
            {p.error}
          </p>
        )}
        <form method="post" action="/admin/login">
          <div class="field">
            <label for="token">Admin token</label>
            <input
              id="token"
              name="token"
              type="password"
              required
              autofocus
              autocomplete="current-password"
              spellcheck={false}
              aria-invalid={p.error ? "true" : undefined}
              aria-describedby={p.error ? "login-error" : undefined}
            />
          </div>
          <button type="submit" class="primary">
            Log in
          </button>
        </form>
      </main>
    </Layout>
  );
}

export function renderLoginPage(p: LoginPageProps): Promise<string> {
  return renderDocument(<LoginPage {...p} />);
}

export function MessagePage(p: { nonce: string; title: string; message: string }) {
  return (
    <Layout nonce={p.nonce} title={`${p.title} · signpost admin`}>
      <main class="login card">
        <h1>{p.title}</h1>
        <p>{p.message}</p>
        <p>
          <a href="/admin">Back to the admin page</a>
        </p>
      </main>
    </Layout>
  );
}

export function renderMessagePage(p: { nonce: string; title: string; message: string }): Promise<string> {
  return renderDocument(<MessagePage {...p} />);
}
