// docs.js starts the /docs page: one Swagger UI per API surface, picked by
// the tabs (the URL fragment, #v4 or #products), each created the first
// time it is shown so that its authorization survives switching back.
// "Try it" always calls the server that serves this page, whatever the
// documents' servers say: operators run the docs against their own
// deployment, and the page must reach no other origin.
(function () {
  "use strict";

  var surfaces = {
    v4: "/openapi/v4.yaml",
    products: "/openapi/products.yaml"
  };
  var origin = window.location.origin;
  var instances = {};

  // here rewrites a URL to the same path on this page's origin.
  function here(u) {
    var parsed = new URL(u, window.location.href);
    return origin + parsed.pathname + parsed.search;
  }

  // withThisServer returns the document with its servers replaced by this
  // page's origin and its OAuth flows' URLs moved onto it, copying only
  // what it changes.
  function withThisServer(spec) {
    if (!spec || typeof spec !== "object") {
      return spec;
    }
    var out = Object.assign({}, spec, {
      servers: [{ url: origin, description: "This server (the one serving this page)" }]
    });
    var schemes = spec.components && spec.components.securitySchemes;
    if (!schemes) {
      return out;
    }
    var moved = {};
    Object.keys(schemes).forEach(function (name) {
      var scheme = schemes[name];
      if (!scheme || !scheme.flows) {
        moved[name] = scheme;
        return;
      }
      var flows = {};
      Object.keys(scheme.flows).forEach(function (kind) {
        var flow = Object.assign({}, scheme.flows[kind]);
        ["tokenUrl", "authorizationUrl", "refreshUrl"].forEach(function (key) {
          if (flow[key]) {
            flow[key] = here(flow[key]);
          }
        });
        flows[kind] = flow;
      });
      moved[name] = Object.assign({}, scheme, { flows: flows });
    });
    out.components = Object.assign({}, spec.components, { securitySchemes: moved });
    return out;
  }

  // ThisServer is a Swagger UI plugin applying withThisServer to every
  // document it loads.
  function ThisServer() {
    return {
      statePlugins: {
        spec: {
          wrapActions: {
            updateJsonSpec: function (next) {
              return function (spec) {
                return next(withThisServer(spec));
              };
            }
          }
        }
      }
    };
  }

  // FoldedIntro is a Swagger UI plugin folding each document's long
  // introduction (conventions, authentication, errors) under its title, so
  // that the operations come first; one click unfolds it.
  function FoldedIntro(system) {
    var h = system.React.createElement;
    return {
      wrapComponents: {
        InfoContainer: function (Original) {
          return function (props) {
            var info = props.specSelectors.info();
            var title = info && info.get("title") ? info.get("title") + " " + info.get("version") : "this API";
            return h("details", { className: "docs-intro" },
              h("summary", null, "About " + title + ": conventions, authentication, errors"),
              h(Original, props));
          };
        }
      }
    };
  }

  function create(name) {
    return window.SwaggerUIBundle({
      url: surfaces[name],
      dom_id: "#ui-" + name,
      presets: [window.SwaggerUIBundle.presets.apis],
      plugins: [ThisServer, FoldedIntro],
      layout: "BaseLayout",
      deepLinking: false,
      validatorUrl: null,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      displayRequestDuration: true,
      filter: true,
      persistAuthorization: false,
      // A safety net beside ThisServer: no request leaves this origin.
      requestInterceptor: function (req) {
        req.url = here(req.url);
        return req;
      }
    });
  }

  function show() {
    var name = window.location.hash.slice(1);
    if (!Object.prototype.hasOwnProperty.call(surfaces, name)) {
      name = "v4";
    }
    Object.keys(surfaces).forEach(function (k) {
      var on = k === name;
      document.getElementById("ui-" + k).hidden = !on;
      document.getElementById("auth-" + k).hidden = !on;
      var tab = document.getElementById("tab-" + k);
      if (on) {
        tab.setAttribute("aria-current", "page");
      } else {
        tab.removeAttribute("aria-current");
      }
    });
    if (!instances[name]) {
      instances[name] = create(name);
    }
  }

  window.addEventListener("hashchange", show);
  show();
})();
