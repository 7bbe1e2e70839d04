// Client-side routes over the History API: /resumes/12 is a real URL (the server answers any
// extension-less path with index.html), links navigate without reloading, Back and Forward work.
const routes = [];
let renderFn = null;

// pattern: "/resumes/:id"; view: async (root, {params, query}) => optional cleanup function.
export function route(pattern, view, opts = {}) {
  const names = [];
  const re = new RegExp(
    `^${pattern.replace(/\/:(\w+)/g, (m, name) => {
      names.push(name);
      return '/([^/]+)';
    })}/?$`,
  );
  routes.push({ re, names, view, opts });
}

export function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1]);
      });
      return { ...r, params };
    }
  }
  return null;
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  if (renderFn) renderFn();
}

export function start(render) {
  renderFn = render;
  window.addEventListener('popstate', () => render());
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    // only the UI's own routes: /docs and the API are the server's pages
    if (url.origin !== location.origin || !match(url.pathname)) return;
    e.preventDefault();
    if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
  });
  render();
}
