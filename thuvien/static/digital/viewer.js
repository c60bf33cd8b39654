/* Start Mirador on the object page: one window, no workspace chrome, search-inside at hand.
   The page gives its settings in <script id="mirador-config" type="application/json">. */
(function () {
  "use strict";
  var source = document.getElementById("mirador-config");
  if (!source || !window.Mirador) return;
  var config = JSON.parse(source.textContent);
  // On a phone the side bar would cover the page: it starts closed there and opens from its button.
  var wide = window.matchMedia("(min-width: 56rem)").matches;
  var win = { manifestId: config.manifest, thumbnailNavigationPosition: wide ? "far-bottom" : "off" };
  if (config.canvas) win.canvasId = config.canvas;
  if (config.query) win.defaultSearchQuery = config.query;
  if (config.paged && wide) win.view = "book";
  window.thuvienMirador = Mirador.viewer({
    id: config.id,
    language: config.language,
    availableLanguages: { vi: "Tiếng Việt", en: "English" },
    selectedTheme: "light",
    windows: [win],
    window: {
      allowClose: false,
      allowMaximize: false,
      allowFullscreen: true,
      allowTopMenuButton: true,
      allowWindowSideBar: true,
      hideWindowTitle: true,
      sideBarOpenByDefault: wide || !!config.query,
      sideBarPanel: config.query ? "search" : "info",
      defaultView: config.paged && wide ? "book" : "single",
      panels: { info: true, attribution: true, canvas: true, search: true, annotations: false, layers: false },
    },
    thumbnailNavigation: { defaultPosition: wide ? "far-bottom" : "off" },
    workspace: {
      type: "mosaic",
      allowNewWindows: false,
      isWorkspaceAddVisible: false,
      draggingEnabled: false,
      showZoomControls: true,
    },
    workspaceControlPanel: { enabled: false },
  });
})();
