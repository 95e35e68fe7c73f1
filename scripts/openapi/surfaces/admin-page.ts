import type { Surface } from "../document";

const html = { description: "An HTML page.", media: "text/html" };

export const adminPage: Surface = {
  name: "Admin page",
  description: "The server-rendered admin page and its login form (HTML, for browsers).",
  operations: [
    { method: "get", path: "/admin", summary: "The admin page, or the login form", auth: "admin-page", responses: { 200: html }, errors: [] },
    {
      method: "get",
      path: "/admin/",
      summary: "Redirects to /admin",
      auth: "none",
      responses: { 301: { description: "To /admin.", headers: { Location: "/admin" } } },
      errors: [],
    },
    {
      method: "post",
      path: "/admin/login",
      summary: "Log in with ADMIN_TOKEN",
      auth: "none",
      form: "`token`: the admin token. Cross-site posts are refused.",
      responses: {
        303: {
          description: "Logged in: the session cookie is set.",
          headers: { Location: "/admin", "Set-Cookie": "signpost_session (HttpOnly, Secure, SameSite=Strict)" },
        },
        401: { ...html, description: "Wrong token: the login form again." },
        403: { ...html, description: "Cross-site post refused." },
        429: { ...html, description: "Too many attempts." },
      },
      errors: [],
    },
    {
      method: "post",
      path: "/admin/logout",
      summary: "Log out",
      auth: "admin-page",
      form: "`csrf`: the page's CSRF token (session logins).",
      responses: {
        303: { description: "Logged out: the cookie is cleared.", headers: { Location: "/admin" } },
        403: { ...html, description: "Cross-site post or wrong CSRF token." },
      },
      errors: [],
    },
  ],
};
